"""The detection score: can a classifier tell synthetic rows from real ones?

A gradient-boosted classifier (LightGBM) separates real training rows from synthetic rows, and
its cross-validated ROC-AUC becomes ``1 - (2 * max(AUC, 0.5) - 1)``: 1.0 when it cannot tell
them apart, 0.0 when it always can. This is the classifier two-sample test that SDMetrics'
``LogisticDetection`` and the TabSyn / TabDiff papers report (they use XGBoost or logistic
regression; figures of different classifiers are close but not identical).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

MAX_ROWS_PER_SIDE = 20_000


def detection_rows(real: pd.DataFrame, synthetic: pd.DataFrame) -> int:
    """How many rows of each side the score uses (the classes are balanced)."""
    return min(len(real), len(synthetic), MAX_ROWS_PER_SIDE)


def detection_score(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], *, seed: int = 0, folds: int = 5
) -> float:
    """``1 - (2 * max(AUC, 0.5) - 1)`` of a real-vs-synthetic classifier, ``folds``-fold CV;
    NaN when either side has too few rows for the folds.
    """
    import lightgbm as lgb

    rng = np.random.default_rng([seed, 11])
    side = detection_rows(real, synthetic)
    if side < folds * 2:
        return float("nan")
    pick = [frame.iloc[np.sort(rng.choice(len(frame), side, replace=False))] for frame in (real, synthetic)]
    x = _features(pd.concat([p[columns] for p in pick], ignore_index=True))
    y = np.r_[np.zeros(side), np.ones(side)]
    scores = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = lgb.LGBMClassifier(
            n_estimators=100, learning_rate=0.1, num_leaves=31, random_state=seed, verbose=-1, n_jobs=2
        )
        model.fit(x.iloc[train], y[train])
        scores[test] = model.predict_proba(x.iloc[test])[:, 1]
    auc = float(roc_auc_score(y, scores))
    return 1 - (2 * max(auc, 0.5) - 1)


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats, dates as day numbers, everything else as LightGBM categories (a
    missing value as one, ``<NA>``: as text, NaN and None would be two, and a classifier would
    tell a table read from CSV from one drawn by a model by that alone).
    """
    out = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[name] = (values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            out[name] = values.astype(float)
        else:  # missing is one category, whether read as NaN or drawn as None
            out[name] = values.astype(object).where(values.notna(), "<NA>").astype(str).astype("category")
    return pd.DataFrame(out)
