"""The database privacy gate: per table, per entity and on keys; copies go with their entity."""

import json

import pytest

from synth.privacy.copies import unique_copy_mask
from synth.privacy.gate import PrivacyConfig
from synth.relational.database import read_database
from synth.relational.integrity import Checked, check_database, referential_integrity
from synth.relational.model import RelationalModel
from synth.relational.privacy import database_gate
from synth.relational.split import split_database
from tests.conftest import ROOT, TINY_VAE

BERKA = ROOT / "data" / "berka"
QUICK = PrivacyConfig(n_attacks=50)


@pytest.fixture(scope="module")
def fitted():
    database = check_database(read_database(BERKA, BERKA / "keys.yaml")).database
    train, held = split_database(database, 0.2, seed=0)
    model = RelationalModel("vae", {**TINY_VAE, "proposal_steps": 0})
    model.fit(Checked(train, train.keys.parents_first()))
    return train, held, model


def test_every_table_every_entity_and_the_keys_are_judged(fitted):
    train, held, model = fitted
    drawn = model.sample(seed=0)
    kept, verdict = database_gate(drawn, train, held, model, QUICK, entity="account", seed=0)
    names = [c.name for c in verdict.checks]
    for table in ("account", "loan", "order", "trans", "card"):
        assert f"{table}: copies" in names and f"{table}: rare_values" in names
    assert "trans: dcr_share" in names and "account entities: dcr_share" in names
    assert "client: dcr_share" not in names  # one column of its own: no distance to measure
    assert next(c for c in verdict.checks if c.name == "keys").passed
    assert set(referential_integrity(kept, train.keys).values()) == {1.0}
    text = json.dumps(verdict.to_dict())
    assert "Prague" not in text and str(int(train.tables["loan"]["amount"].iloc[0])) not in text


def test_a_copied_database_loses_its_copies_with_their_entities_and_fails(fitted):
    train, held, model = fitted
    copied = {name: frame.copy() for name, frame in train.tables.items()}
    kept, verdict = database_gate(copied, train, held, model, QUICK, entity="account", seed=0)
    failed = {c.name for c in verdict.checks if not c.passed}
    assert {"trans: copies", "order: copies"} <= failed
    assert len(kept["trans"]) < len(train.tables["trans"]) and verdict.copies_removed > 0
    assert set(referential_integrity(kept, train.keys).values()) == {1.0}  # whole entities went


def test_a_drawn_key_equal_to_a_real_one_fails_the_keys_check(fitted):
    train, held, model = fitted
    drawn = model.sample(seed=0)
    real_key = train.tables["loan"]["loan_id"].iloc[0]
    drawn["loan"].loc[0, "loan_id"] = real_key
    _, verdict = database_gate(drawn, train, held, model, QUICK, seed=0)
    keys = next(c for c in verdict.checks if c.name == "keys")
    assert not keys.passed and keys.detail == "loan.loan_id (1)"


def test_a_copy_counts_only_where_it_points_at_one_real_row():
    import pandas as pd

    real = pd.DataFrame({"district": [1, 1, 2], "type": ["a", "a", "b"]})
    drawn = pd.DataFrame({"district": [1, 2, 3], "type": ["a", "b", "b"]})
    assert unique_copy_mask(drawn, real, ["district", "type"]).tolist() == [False, True, False]
