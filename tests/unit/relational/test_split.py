"""The database holdout: whole entities on one side, keys whole in training, every row once."""

import pandas as pd

from synth.relational.database import Database, read_database
from synth.relational.integrity import check_database, referential_integrity
from synth.relational.keys import ForeignKey, Keys, TableKeys
from synth.relational.split import entity_groups, entity_root, split_database
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def berka() -> Database:
    return check_database(read_database(BERKA, BERKA / "keys.yaml")).database


def test_every_row_lies_on_one_side_and_training_keys_stay_whole():
    database = berka()
    train, held = split_database(database, 0.2, seed=0)
    for name, frame in database.tables.items():
        if name in database.keys.reference:
            assert len(train.tables[name]) == len(held[name]) == len(frame)
            continue
        key = database.keys.tables[name].primary_key
        both = pd.concat([train.tables[name][key], held[name][key]])
        assert sorted(both) == sorted(frame[key])  # every row once
    assert set(referential_integrity(train.tables, train.keys).values()) == {1.0}
    share = len(held["account"]) / len(database.tables["account"])
    assert 0.1 < share < 0.3


def test_a_held_out_account_leaves_with_its_dispositions_clients_and_transactions():
    database = berka()
    train, held = split_database(database, 0.2, seed=0)
    out = set(held["account"]["account_id"])
    assert not train.tables["disp"]["account_id"].isin(out).any()
    assert not train.tables["trans"]["account_id"].isin(out).any()
    clients = set(held["disp"]["client_id"])
    assert not train.tables["client"]["client_id"].isin(clients).any()
    per_account = train.tables["disp"]["account_id"].value_counts()  # no account lost a disposition
    real = database.tables["disp"]["account_id"].value_counts()
    assert (per_account == real.reindex(per_account.index)).all()


def test_the_same_seed_holds_out_the_same_rows():
    database = berka()
    first, second = (split_database(database, 0.2, seed=5)[1] for _ in range(2))
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_groups_follow_the_keys_and_one_giant_group_falls_back_to_roots():
    keys = Keys(tables={
        "a": TableKeys(primary_key="id"),
        "b": TableKeys(primary_key="id", foreign_keys=(ForeignKey(column="a_id", references="a.id"),)),
    })  # fmt: skip
    tables = {"a": pd.DataFrame({"id": [1, 2, 3]}), "b": pd.DataFrame({"id": [1, 2], "a_id": [1, 1]})}
    labels, groups = entity_groups(tables, keys, ["a", "b"])
    assert groups == 3 and labels["b"][0] == labels["b"][1] == labels["a"][0] != labels["a"][2]
    tables["b"] = pd.DataFrame({"id": range(50), "a_id": [1] * 50})  # one account holds most rows
    train, held = split_database(Database(tables, keys, "toy", "file"), 0.5, seed=0)
    assert len(train.tables["b"]) + len(held["b"]) == 50
    assert entity_root(Database(tables, keys, "toy", "file")) == "a"


def test_the_entity_root_is_the_root_with_most_rows_beneath():
    assert entity_root(berka()) == "account"
