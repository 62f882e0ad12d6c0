"""A child table that is each parent's ordered history (Berka's transactions per account) is
learned by the sequence model: found from the data or named in the keys, drawn for the drawn
parents with their drawn counts, balances running, the rules kept and the same draw again."""

import numpy as np
import pandas as pd
import pytest

from synth.errors import InputError
from synth.events import Balance, balance_consistency
from synth.relational.database import Database, read_database
from synth.relational.histories import HistoryModel
from synth.relational.integrity import check_database
from synth.relational.keys import Keys
from synth.relational.layout import history_time, layouts, training_frame
from synth.relational.model import RelationalModel
from synth.rules.check import violations
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"
TINY = {"epochs": 3, "d_model": 32, "batch_size": 256, "patience": 10, "proposal_steps": 0}


@pytest.fixture(scope="module")
def berka() -> Database:
    return read_database(BERKA, BERKA / "keys.yaml")


@pytest.fixture(scope="module")
def fitted(berka):
    return RelationalModel("vae", TINY).fit(check_database(berka))


def _keys(database: Database, table: str, **change) -> Keys:
    payload = database.keys.model_dump()
    payload["tables"][table].update(change)
    return Keys.model_validate(payload)


def test_transactions_are_found_to_be_histories_and_nothing_else_is(berka):
    found = {name: history_time(name, layout, berka.keys, berka.tables[name])
             for name, layout in layouts(berka.keys, berka.tables).items()}  # fmt: skip
    assert {name: time for name, time in found.items() if time} == {"trans": "date"}


def test_the_keys_can_name_a_history_or_refuse_one(berka):
    def time(keys: Keys, table: str) -> str | None:
        return history_time(table, layouts(keys, berka.tables)[table], keys, berka.tables[table])

    assert time(_keys(berka, "trans", order_by=False), "trans") is None
    assert time(_keys(berka, "loan", order_by="date"), "loan") == "date"  # one loan per account: only said
    with pytest.raises(InputError, match="table 'disp': order_by 'type' needs a table with one parent"):
        time(_keys(berka, "disp", order_by="type"), "disp")


def test_histories_follow_their_drawn_accounts_with_running_balances(fitted, berka):
    assert isinstance(fitted.models["trans"], HistoryModel)
    drawn = fitted.sample(seed=0)
    trans, accounts = drawn["trans"], drawn["account"]
    assert list(trans.columns) == list(berka.tables["trans"].columns)
    assert trans["account_id"].isin(accounts["account_id"]).all()
    per_account = trans.groupby("account_id").size()
    assert per_account.max() <= berka.tables["trans"].groupby("account_id").size().max() * 2
    ordered = trans.groupby("account_id")["date"].apply(lambda d: d.is_monotonic_increasing)
    assert ordered.all()
    balance = Balance(**fitted.models["trans"].sequence.layout.balance)
    booked = trans.sort_values(["account_id", "date"], kind="stable")
    assert balance_consistency(booked, "account_id", balance) == 1.0
    opened = accounts.set_index("account_id")["date"]
    assert (trans["date"] >= trans["account_id"].map(opened)).all()
    assert trans["date"].max() <= berka.tables["trans"]["date"].max()
    assert not trans["trans_id"].isin(berka.tables["trans"]["trans_id"]).any()


def test_every_rule_of_the_transactions_holds_without_repairs(fitted):
    drawn = fitted.sample(seed=1)
    frame = training_frame(fitted.layout["trans"], drawn, fitted.keys)
    rules = fitted.models["trans"].schema.rules
    assert {r.kind for r in rules} >= {"combination", "order"}
    assert sum(violations(frame, rules).values()) == 0
    assert fitted.models["trans"].repairs == {}


def test_a_saved_model_draws_the_same_histories(fitted, tmp_path):
    loaded = RelationalModel.load(fitted.save(tmp_path / "model"))
    assert loaded.histories == {"trans": "date"}
    pd.testing.assert_frame_equal(fitted.sample(seed=4)["trans"], loaded.sample(seed=4)["trans"])


def test_parents_without_children_get_no_history(fitted):
    model = fitted.models["trans"]
    parent = pd.DataFrame({"account_id": [1, 2], "district_id": [1, 1], "frequency": ["POPLATEK MESICNE"] * 2,
                           "date": pd.to_datetime(["1993-01-05", "1993-02-01"])})  # fmt: skip
    none = model.sample(parent, "account_id", np.array([0, 0]), {}, 0, np.random.default_rng(0))
    assert none.empty
    some = model.sample(parent, "account_id", np.array([0, 5]), {}, 0, np.random.default_rng(0))
    assert set(some["account_id"]) == {2} and len(some) <= 5
