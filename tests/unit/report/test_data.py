"""The report's aggregates: shares that sum to one, rare real levels never named, associations,
distances.
"""

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

from synth.report.data import association_matrix, column_distributions, dcr_histogram
from synth.schema import infer_schema
from synth.split import split


def test_distributions_are_shares_and_pool_rare_real_levels(adult, adult_schema):
    train, holdout = split(adult, holdout=0.2, seed=0)
    columns = {c["name"]: c for c in column_distributions(train, holdout, adult_schema)}
    assert set(columns) == {c.name for c in adult_schema.modelled}
    for column in columns.values():
        for side in ("real", "synthetic"):
            masses = sum(m[side] for m in column.get("masses", []))
            assert abs(sum(column[side]) + masses - 1) < 0.02  # numeric: clipped to the 0.5-99.5 % range
    country = columns["native-country"]
    counts = train["native-country"].value_counts()
    rare = set(counts[counts < 5].index)
    assert rare and not rare & set(country["levels"])  # a level of fewer than 5 real rows is never named
    assert country["levels"][-1] == "(other)"


def test_a_copy_sits_nearer_the_training_rows_than_the_holdout():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=600), "y": rng.normal(size=600)})
    schema = infer_schema(frame)
    train, holdout = frame.iloc[:300], frame.iloc[300:]
    copies = dcr_histogram(train, train, holdout, schema)
    fresh = dcr_histogram(holdout, train, holdout, schema)
    assert copies["synthetic"][0] == 1.0  # every copy is at distance 0
    assert fresh["synthetic"][0] < 0.5 and abs(sum(fresh["holdout"]) - 1) < 1e-9


def test_a_zero_inflated_column_shows_its_point_mass_apart(adult, adult_schema):
    from synth.report.data import column_distributions

    gain = next(c for c in column_distributions(adult, adult, adult_schema) if c["name"] == "capital-gain")
    assert [m["value"] for m in gain["masses"]] == [0.0]
    share = float((adult["capital-gain"] == 0).mean())
    assert abs(gain["masses"][0]["real"] - share) < 1e-9 and share > 0.85
    assert abs(sum(gain["real"]) + share - 1) < 1e-9  # the rest and the mass make all rows
    age = next(c for c in column_distributions(adult, adult, adult_schema) if c["name"] == "age")
    assert age["masses"] == []  # no single age holds 5 % of the rows


def test_associations_are_cramers_v_of_the_observed_levels(adult, adult_schema):
    matrix = association_matrix(adult, adult, adult_schema)
    values = dict(zip(matrix["names"], matrix["values"], strict=True))
    at = matrix["names"].index
    for a, b in (("workclass", "education"), ("sex", "income"), ("race", "native-country")):
        observed = pd.crosstab(adult[a].fillna("(missing)"), adult[b].fillna("(missing)")).to_numpy()
        assert values[a][at(b)] == values[b][at(a)] == round(association(observed, method="cramer"), 4)
    x, y = adult["age"].astype(float), adult["hours-per-week"].astype(float)
    assert values["age"][at("hours-per-week")] == round(abs(np.corrcoef(x, y)[0, 1]), 4)
    assert all(values[name][at(name)] == 1 for name in matrix["names"])
