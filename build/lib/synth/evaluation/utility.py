"""Machine-learning utility: train on synthetic, test on real (TSTR), with LightGBM."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def _features(frame: pd.DataFrame, target: str, categories: dict[str, list]) -> pd.DataFrame:
    x = frame.drop(columns=[target]).copy()
    for name, levels in categories.items():
        x[name] = pd.Categorical(x[name].astype(object).where(x[name].notna(), None), categories=levels)
    for name in x.columns:
        if pd.api.types.is_datetime64_any_dtype(x[name]):
            x[name] = x[name].astype("int64").astype(float)
    return x


def positive_label(real: pd.Series):
    """The minority class of a binary target (the one a risk model cares about)."""
    return real.value_counts().idxmin()


def tstr_auc(
    train: pd.DataFrame, test: pd.DataFrame, target: str, *, seed: int = 0, n_estimators: int = 200
) -> float:
    """ROC-AUC on the real ``test`` rows of a gradient-boosted classifier fit on ``train``.

    Binary targets score the real minority class; multi-class targets score one-vs-rest macro.
    ``train`` may be synthetic (TSTR) or real (the reference figure).
    """
    import lightgbm as lgb

    categories = {
        name: sorted(pd.concat([train[name], test[name]]).dropna().astype(str).unique().tolist())
        for name in test.columns
        if name != target
        and not (
            pd.api.types.is_numeric_dtype(test[name]) or pd.api.types.is_datetime64_any_dtype(test[name])
        )
    }
    for frame in (train, test):
        for name in categories:
            frame = frame.assign(**{name: frame[name].astype(object)})
    x_train = _features(train.astype({n: object for n in categories}), target, categories)
    x_test = _features(test.astype({n: object for n in categories}), target, categories)
    y_test_raw = test[target].astype(str)
    classes = sorted(y_test_raw.unique())
    y_train_raw = train[target].astype(str)
    if y_train_raw.nunique() < 2:
        return 0.5
    model = lgb.LGBMClassifier(
        n_estimators=n_estimators,
        learning_rate=0.05,
        num_leaves=31,
        random_state=seed,
        verbose=-1,
        n_jobs=2,
    )
    model.fit(x_train, y_train_raw)
    proba = model.predict_proba(x_test)
    learned = list(model.classes_)
    if len(classes) == 2:
        positive = str(positive_label(test[target]))
        if positive not in learned:
            return 0.5
        return float(roc_auc_score(y_test_raw == positive, proba[:, learned.index(positive)]))
    columns = [learned.index(c) if c in learned else None for c in classes]
    scores = np.column_stack([proba[:, i] if i is not None else np.zeros(len(x_test)) for i in columns])
    return float(roc_auc_score(y_test_raw, scores, multi_class="ovr", labels=classes))
