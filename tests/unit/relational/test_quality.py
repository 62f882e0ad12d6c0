"""Scores of a drawn database beyond single tables: children per parent, cross-table trends,
and per-table scores on the modelled columns only."""

import numpy as np
import pandas as pd

from synth.relational.database import read_database
from synth.relational.integrity import check_database
from synth.relational.quality import (
    cardinality_shapes,
    cross_table_trends,
    numeric_columns,
    parent_summaries,
    table_scores,
)
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def berka():
    return check_database(read_database(BERKA, BERKA / "keys.yaml")).database


def test_the_real_database_against_itself_scores_one_everywhere():
    real = berka()
    assert set(cardinality_shapes(real.tables, real.tables, real.keys).values()) == {1.0}
    cross = cross_table_trends(real.tables, real.tables, real.keys)
    assert {"loan.account_id", "trans.account_id", "order.account_id"} <= set(cross)
    assert all(np.isclose(v, 1.0) for v in cross.values())


def test_children_moved_to_other_parents_lower_the_cross_table_trends():
    real = berka()
    moved = dict(real.tables)
    order = real.tables["trans"].sort_values("amount")
    accounts = real.tables["account"].sort_values("date")["account_id"].to_numpy()
    moved["trans"] = order.assign(account_id=np.resize(accounts, len(order)))  # big amounts to late accounts
    before = cross_table_trends(real.tables, real.tables, real.keys)["trans.account_id"]
    after = cross_table_trends(real.tables, moved, real.keys)["trans.account_id"]
    assert after < before - 0.05


def test_a_parents_summary_has_its_columns_its_child_count_and_child_means():
    real = berka()
    summary = parent_summaries(real.tables, real.keys, "loan", "account_id", ["frequency"])
    assert list(summary.columns) == ["frequency", "loan: rows", "loan: mean amount", "loan: mean duration",
                                     "loan: mean payments"]  # fmt: skip
    assert summary["loan: rows"].sum() == len(real.tables["loan"])
    assert summary["loan: mean amount"].notna().sum() == real.tables["loan"]["account_id"].nunique()
    frame = pd.DataFrame({"a": [1.0], "b": ["x"], "c": [True]})
    assert numeric_columns(frame, ["a", "b", "c"]) == ["a"]


def test_table_scores_leave_keys_and_identifiers_out():
    real = berka()
    scores = table_scores(real.tables, real.tables, real.keys)
    assert "district" not in scores  # the reference is not drawn
    assert scores["loan"]["shapes"] == 1.0 and scores["loan"]["detection"] > 0.8
    drawn = dict(real.tables)
    drawn["client"] = real.tables["client"].assign(birth_number=0)  # an identifier: not scored
    assert table_scores(real.tables, drawn, real.keys)["client"]["shapes"] == 1.0
