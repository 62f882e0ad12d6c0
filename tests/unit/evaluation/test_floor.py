"""The quality floor: the detection score and TSTR lift, judged on their upper bounds."""

import numpy as np
import pandas as pd
import pytest

from synth.evaluation.detection import detection_score
from synth.evaluation.floor import quality_checks, tstr_lift
from synth.split import split
from synth.stats import auc_se


def test_real_unseen_rows_are_not_detected(adult):
    train, holdout = split(adult, holdout=0.3, seed=0)
    score = detection_score(train, holdout, list(adult.columns), seed=0)
    assert score > 0.8


def test_independent_columns_are_detected(adult):
    rng = np.random.default_rng(0)
    shuffled = adult.apply(lambda c: pd.Series(rng.permutation(c.to_numpy()), name=c.name))
    train, _ = split(adult, holdout=0.3, seed=0)
    assert detection_score(train, shuffled, list(adult.columns), seed=0) < 0.5


def test_a_clear_miss_fails_and_noise_does_not():
    weak = quality_checks({"detection": 0.2, "detection_rows": 2400}, detection_min=0.5, tstr_lift_min=0.7)
    assert [c.passed for c in weak] == [False]
    # 40 rows a side: a score of 0.45 is within noise of 0.5, so it does not fail
    noisy = quality_checks({"detection": 0.45, "detection_rows": 40}, detection_min=0.5, tstr_lift_min=0.7)
    assert [c.passed for c in noisy] == [True]


def test_tstr_lift_fails_a_copula_like_result_on_a_large_holdout():
    figures = {"tstr_auc": 0.68, "real_train_auc": 0.90, "holdout_positives": 1500, "holdout_negatives": 5000}
    (check,) = quality_checks(figures, detection_min=0.5, tstr_lift_min=0.7)
    assert not check.passed and check.figure == pytest.approx(0.45)
    small = {**figures, "holdout_positives": 10, "holdout_negatives": 30}
    assert quality_checks(small, detection_min=0.5, tstr_lift_min=0.7)[0].passed


def test_auc_standard_error_shrinks_with_rows():
    assert auc_se(0.8, 1000, 1000) < auc_se(0.8, 50, 50) < auc_se(0.8, 5, 5)
    assert tstr_lift(0.5, 0.9) == 0.0 and tstr_lift(0.9, 0.9) == 1.0


def test_missing_is_one_category_whether_read_as_nan_or_drawn_as_none():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    values = rng.choice(["a", "b", None], 600)
    real = pd.DataFrame({"bank": pd.Series(values, dtype=object).fillna(np.nan)})
    drawn = pd.DataFrame({"bank": pd.Series(rng.choice(["a", "b", None], 600), dtype=object)})
    assert real["bank"].isna().any() and drawn["bank"].map(lambda v: v is None).any()
    assert detection_score(real, drawn, ["bank"], seed=0) > 0.8
