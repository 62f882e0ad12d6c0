"""The relational model on the bundled Berka subset, tiny epochs: whole keys, fresh keys, the
reference kept, the same draw from the same seed, and a saved model that samples the same."""

import pandas as pd
import pytest

from synth.relational.database import read_database
from synth.relational.integrity import check_database, referential_integrity
from synth.relational.model import RelationalModel
from synth.relational.quality import cardinality_shapes
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
    assert len(half["account"]) == 100 and len(half["client"]) == round(0.5 * len(real.tables["client"]))
    assert half["loan"]["account_id"].isin(half["account"]["account_id"]).all()


def test_the_same_seed_draws_the_same_database_and_a_saved_model_too(fitted, tmp_path):
    _, model = fitted
    first, second = model.sample(seed=3), model.sample(seed=3)
    loaded = RelationalModel.load(model.save(tmp_path / "model")).sample(seed=3)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
        pd.testing.assert_frame_equal(first[name], loaded[name])
