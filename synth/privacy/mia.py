"""Membership inference: can an attacker holding the synthetic data tell training members from
real rows the model never saw?

The attack is distance-based (as in Hilprecht et al. 2019 / the DOMIAS family's simplest
member): a real row is scored by minus its distance to the nearest synthetic row; members of
an overfitted model sit closer to synthetic rows than non-members do. Its ROC-AUC over an
equal number of members (training rows) and non-members (holdout rows) is the figure: 0.5 means
no signal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from synth.privacy.distance import RowEmbedding, nearest_distances


def membership_auc(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    max_rows: int = 20_000,
    seed: int = 0,
) -> float:
    """ROC-AUC of the distance-to-synthetic membership attack (0.5 = no signal)."""
    columns = columns or list(train.columns)
    rng = np.random.default_rng(seed)
    size = min(len(train), len(holdout), max_rows)
    members = train.iloc[rng.choice(len(train), size, replace=False)]
    outsiders = holdout.iloc[rng.choice(len(holdout), size, replace=False)]
    embedding = RowEmbedding.fit(train, columns)
    reference = embedding.transform(synthetic)
    d_in = nearest_distances(embedding.transform(members), reference)[:, 0]
    d_out = nearest_distances(embedding.transform(outsiders), reference)[:, 0]
    labels = np.r_[np.ones(size), np.zeros(size)]
    return float(roc_auc_score(labels, -np.r_[d_in, d_out]))
