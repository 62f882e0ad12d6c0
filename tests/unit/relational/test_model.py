"""The relational model on the bundled Berka subset, tiny epochs: whole keys, fresh keys, the
reference kept, the same draw from the same seed, and a saved model that samples the same."""

import numpy as np
import pandas as pd
import pytest

from synth.relational.database import read_database
from synth.relational.integrity import check_database, referential_integrity
from synth.relational.model import RelationalModel, _assign, _shift_orders, _within_window
from synth.relational.quality import cardinality_shapes
from synth.schema import Rule
from tests.conftest import ROOT, TINY_VAE

BERKA = ROOT / "data" / "berka"


@pytest.fixture(scope="module")
def fitted():
    checked = check_database(read_database(BERKA, BERKA / "keys.yaml"))
    model = RelationalModel("vae", {**TINY_VAE, "proposal_steps": 0}).fit(checked)
    return checked.database, model


def test_every_table_is_drawn_with_whole_and_fresh_keys(fitted):
    real, model = fitted
    drawn = model.sample(seed=0)
    assert set(drawn) == set(real.tables)
    assert referential_integrity(drawn, real.keys) == {
        k: 1.0 for k in referential_integrity(real.tables, real.keys)
    }
    for name, frame in drawn.items():
        assert list(frame.columns) == list(real.tables[name].columns)
        primary = real.keys.tables[name].primary_key
        if name not in real.keys.reference:
            assert not frame[primary].isin(real.tables[name][primary]).any()  # no real key reused
    pd.testing.assert_frame_equal(drawn["district"], real.tables["district"])  # the reference as it is
    assert len(drawn["account"]) == len(real.tables["account"])
    assert set(cardinality_shapes(real.tables, drawn, real.keys)) == {  # every key but into the reference
        "disp.client_id", "disp.account_id", "card.disp_id",
        "loan.account_id", "order.account_id", "trans.account_id",
    }  # fmt: skip


def test_scale_draws_fewer_roots_and_their_children_follow(fitted):
    real, model = fitted
    half = model.sample(scale=0.5, seed=0)
    assert len(half["account"]) == 100
    assert half["loan"]["account_id"].isin(half["account"]["account_id"]).all()
    assert len(half["client"]) == len(half["disp"])  # one client per disposition, as in the real rows


def test_the_same_seed_draws_the_same_database_and_a_saved_model_too(fitted, tmp_path):
    _, model = fitted
    first, second = model.sample(seed=3), model.sample(seed=3)
    loaded = RelationalModel.load(model.save(tmp_path / "model")).sample(seed=3)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
        pd.testing.assert_frame_equal(first[name], loaded[name])


def test_a_disposition_is_drawn_for_its_account_and_given_a_client_of_its_own(fitted):
    real, model = fitted
    assert model.layout["disp"].context.parent == "account"  # the parent with more tables beneath
    assert [fk.parent for fk in model.layout["disp"].links] == ["client"]
    drawn = model.sample(seed=1)
    per_client = drawn["disp"]["client_id"].value_counts()
    assert per_client.eq(1).all() and len(per_client) == len(drawn["client"])  # one to one, none left over


def test_no_child_is_dated_past_the_real_table_and_orders_across_tables_hold(fitted):
    real, model = fitted
    drawn = model.sample(seed=2)
    assert drawn["trans"]["date"].max() <= real.tables["trans"]["date"].max()
    assert "order: account.date <= date" in {r.name for r in model.models["trans"].schema.rules}
    opened = drawn["account"].set_index("account_id")["date"]
    assert (drawn["trans"]["date"] >= drawn["trans"]["account_id"].map(opened)).all()


def test_linked_rows_fill_each_parents_drawn_count():
    parents = np.array([10, 11, 12, 13])
    counts = np.array([2, 0, 1, 3])
    got = _assign(parents, counts, 6, np.random.default_rng(0))
    assert dict(pd.Series(got).value_counts()) == {10: 2, 12: 1, 13: 3}
    more = _assign(parents, counts, 8, np.random.default_rng(0))  # rows beyond the slots: by count
    assert len(more) == 8 and set(more) <= {10, 12, 13}


def test_rows_past_the_window_are_dropped_and_gaps_follow_the_parents_real_date():
    frame = pd.DataFrame({"date": pd.to_datetime(["1994-01-01", "1995-01-01"]), "x": [1, 2]})
    kept = _within_window(frame, {"date": "1994-06-30 00:00:00"})
    assert kept["x"].tolist() == [1]
    rule = Rule("order", ("account.date", "date"))
    parents = pd.DataFrame({"account.date": pd.to_datetime(["1993-03-01", "1993-05-01"])})
    seen = pd.DataFrame({"account.date": pd.to_datetime(["1993-03-01", "1993-04-01"])})  # second snapped
    drawn = pd.DataFrame({"date": pd.to_datetime(["1993-03-10", "1993-04-10"])})
    _shift_orders(drawn, (rule,), parents, seen)
    assert drawn["date"].tolist() == [pd.Timestamp("1993-03-10"), pd.Timestamp("1993-05-10")]


def test_two_keys_into_one_parent_are_both_kept_and_counted():
    from synth.relational.database import Database
    from synth.relational.keys import ForeignKey, Keys, TableKeys

    rng = np.random.default_rng(0)
    accounts = pd.DataFrame({"account_id": range(1, 121), "kind": rng.choice(["retail", "firm"], 120)})
    ends = {"from_account": rng.integers(1, 121, 400), "to_account": rng.integers(1, 121, 400)}
    transfers = pd.DataFrame({"transfer_id": range(1, 401), **ends, "amount": rng.gamma(2, 500, 400)})
    keys = Keys(tables={
        "account": TableKeys(primary_key="account_id"),
        "transfer": TableKeys(primary_key="transfer_id", foreign_keys=(
            ForeignKey(column="from_account", references="account.account_id"),
            ForeignKey(column="to_account", references="account.account_id"))),
    })  # fmt: skip
    database = Database({"account": accounts, "transfer": transfers}, keys, "toy", "file")
    model = RelationalModel("vae", {**TINY_VAE, "proposal_steps": 0}).fit(check_database(database))
    assert model.layout["transfer"].context.column == "from_account"
    assert [fk.column for fk in model.layout["transfer"].links] == ["to_account"]
    drawn = model.sample(seed=0)
    assert referential_integrity(drawn, keys) == {
        k: 1.0 for k in referential_integrity(database.tables, keys)
    }
    assert set(cardinality_shapes(database.tables, drawn, keys)) == {
        "transfer.from_account",
        "transfer.to_account",
    }
