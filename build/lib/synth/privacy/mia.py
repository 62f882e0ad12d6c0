"""Membership inference: can an attacker holding the synthetic data tell training members from
real rows the model never saw?

The attack is distance-based (as in Hilprecht et al. 2019 / the DOMIAS family's simplest
member): a real row is scored by minus its distance to the nearest synthetic row; members of
an overfitted model sit closer to synthetic rows than non-members do. Its ROC-AUC over members (the
training sample) and non-members (the holdout sample) is the figure: 0.5 means no signal, and
ROC-AUC does not depend on how many there are of each. The distances come from the gate's single scan
(:func:`synth.privacy.distance.nearest_records`).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from synth.privacy.distance import NearestRecords


def membership_auc(records: NearestRecords) -> float:
    """ROC-AUC of the distance-to-synthetic membership attack (0.5 = no signal)."""
    members, outsiders = records.train_to_synthetic, records.holdout_to_synthetic
    labels = np.r_[np.ones(len(members)), np.zeros(len(outsiders))]
    scores = -np.r_[members, outsiders]
    return float(roc_auc_score(labels, scores))
