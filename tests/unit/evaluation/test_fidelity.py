import numpy as np
import pandas as pd

from synth.evaluation.fidelity import evaluate_fidelity, ks_complement, tv_complement


def test_identical_tables_score_one(adult, adult_schema):
    result = evaluate_fidelity(adult, adult, adult_schema)
    assert result.column_shapes == 1.0 and result.pair_trends == 1.0
    assert len(result.trends_by_pair) == 15 * 14 // 2  # all pairs


def test_shuffled_columns_keep_shapes_lose_trends(adult, adult_schema):
    rng = np.random.default_rng(0)
    shuffled = pd.DataFrame({c: rng.permutation(adult[c].to_numpy()) for c in adult.columns})
    result = evaluate_fidelity(adult, shuffled, adult_schema)
    assert result.column_shapes == 1.0
    assert result.pair_trends < 0.95
    assert result.trends_by_pair["education | education-num"] < 0.7


def test_simple_scores():
    assert ks_complement(pd.Series([1, 2, 3]), pd.Series([1, 2, 3])) == 1.0
    assert ks_complement(pd.Series([0.0] * 5), pd.Series([1.0] * 5)) == 0.0
    assert tv_complement(pd.Series(list("aabb")), pd.Series(list("aaaa"))) == 0.5


def test_few_level_integers_match_by_value_whatever_the_dtype(adult, adult_schema):
    # integers with at most 10 levels are scored as categories: 60 and 60.0 are one level
    real = pd.Series([12, 24, 24, 60, 60, 60])
    assert tv_complement(real, real.astype(float)) == 1.0
    assert tv_complement(real, pd.Series([12, 24, 24, 60, 60, None], dtype="Int64")) < 1.0
    assert tv_complement(pd.Series([True, False]), pd.Series([1.0, 0.0])) < 1.0  # booleans stay labels
    as_floats = adult.assign(**{c: adult[c].astype(float) for c in ("age", "education-num", "fnlwgt")})
    assert evaluate_fidelity(adult, as_floats, adult_schema).column_shapes == 1.0
