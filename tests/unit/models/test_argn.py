"""MOSTLY AI's TabularARGN adapter: a clear error without the optional engine, and the model
protocol (round trip, seeds, conditions, save/load) where the engine is installed.
"""

import sys

import pandas as pd
import pytest

from synth.errors import ModelError
from synth.models import build, load, save
from synth.models.argn import engine_available
from synth.sampling import sample_table


def test_without_the_engine_fit_names_the_install_step(adult, adult_schema, monkeypatch):
    monkeypatch.setitem(sys.modules, "mostlyai.engine", None)  # import fails as if not installed
    assert not engine_available()
    model = build("argn", epochs=1)
    with pytest.raises(ModelError, match="mostlyai-engine in an environment of its own"):
        model.fit(adult.head(100), adult_schema)


def test_parameters_are_checked_before_any_work():
    with pytest.raises(ModelError, match="unknown parameter"):
        build("argn", epochz=3)
    with pytest.raises(ModelError, match="epochs must be at least 1"):
        build("argn", epochs=0)


@pytest.mark.skipif(not engine_available(), reason="mostlyai-engine (optional extra) not installed")
def test_fit_sample_condition_save_load(adult, adult_schema, tmp_path):
    train = adult.head(600)
    model = build("argn", epochs=1, seed=0)
    model.fit(train, adult_schema)
    first = sample_table(model, 50, seed=4)
    assert list(first.columns) == list(adult.columns)
    assert first.dtypes.to_dict() == train.dtypes.to_dict()
    pd.testing.assert_frame_equal(first, sample_table(model, 50, seed=4))
    rich = model.sample(40, {"income": ">50K"}, seed=1)
    assert len(rich) == 40 and (rich["income"] == ">50K").all()
    save(model, tmp_path / "argn")
    pd.testing.assert_frame_equal(first, sample_table(load(tmp_path / "argn"), 50, seed=4))
