import numpy as np
import pandas as pd
import pytest

from synth.errors import ModelError
from synth.evaluation.fidelity import ks_complement
from synth.models.encoding import TableCode, fit_table
from synth.schema import infer_schema


def _plain(values: pd.Series) -> list[str]:
    return ["<NA>" if pd.isna(v) else str(v) for v in values]


def test_round_trip_of_every_kind(mixed_table):
    schema = infer_schema(mixed_table)
    code = fit_table(mixed_table, schema)
    tokens = code.encode(mixed_table, np.random.default_rng(0))
    back = code.decode(tokens, np.random.default_rng(1))
    for name in ["workclass", "income", "is_male"]:  # exact kinds come back exactly
        assert _plain(back[name]) == _plain(mixed_table[name]), name
    for name in [
        "age",
        "fnlwgt",
        "capital-gain",
        "hours_ratio",
        "seen",
    ]:  # binned: same distribution
        assert ks_complement(mixed_table[name], back[name]) > 0.97, name
    assert back["hours_ratio"].isna().sum() == mixed_table["hours_ratio"].isna().sum()
    assert (back["age"] % 1 == 0).all()
    assert back["age"].between(mixed_table["age"].min(), mixed_table["age"].max()).all()
    assert pd.api.types.is_datetime64_any_dtype(back["seen"])
    assert (back["seen"].dt.normalize() == back["seen"]).all()  # day resolution kept


def test_point_mass_gets_its_own_token(adult, adult_schema):
    code = fit_table(adult, adult_schema)
    _, gain = code.column("capital-gain")
    assert 0.0 in gain.levels
    assert (
        code.decode(code.encode(adult), np.random.default_rng(0))["capital-gain"] == 0
    ).mean() == pytest.approx((adult["capital-gain"] == 0).mean())


def test_json_round_trip_and_unknown_values(adult, adult_schema):
    code = fit_table(adult, adult_schema)
    again = TableCode.from_dict(code.to_dict())
    assert np.array_equal(again.encode(adult), code.encode(adult))
    _, income = code.column("income")
    with pytest.raises(ModelError, match="'income' has values not seen in training"):
        income.encode(pd.Series(["lots"]))


def test_a_value_few_rows_share_gets_no_token_and_the_grid_stays_coarse():
    from synth.models.encoding import EncodingConfig, fit_column
    from synth.schema import Column, Kind

    column = Column("issued", Kind.INTEGER, "int64")
    shared = pd.Series([1] * 10 + [2] * 10 + [3, 4, 5])  # 23 rows, 5 values: 4.6 rows a value
    code = fit_column(shared, column, EncodingConfig(mass_share=0.1))
    assert sorted(code.levels) == [1.0, 2.0] and code.n_bins == 1  # the rare ones binned together
    assert sorted(fit_column(shared, column, EncodingConfig(min_level_rows=4)).levels) == [1, 2, 3, 4, 5]
    unique = pd.Series(np.arange(28) * 7)  # 28 rows, 28 values (a small table's dates)
    code = fit_column(unique, column, EncodingConfig())
    assert code.levels == [] and (code.n_bins * code.per_bin) <= len(unique) // 4
    drawn = code.decode(np.zeros(2000, dtype=np.int64) + code.n_exact, np.random.default_rng(0))
    assert set(drawn.dropna()) - set(unique)  # values between the real ones, not only copies
