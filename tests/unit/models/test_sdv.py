"""SDV 2.x synthesizers behind our protocol (tiny epochs, small real sample)."""

import pandas as pd
import pytest

from synth.errors import ModelError
from synth.models import build, load, save
from synth.sampling import sample_table


@pytest.mark.parametrize(
    ("name", "params"), [("gaussian_copula", {}), ("tvae", {"epochs": 2}), ("ctgan", {"epochs": 1})]
)
def test_fit_sample_save_load(name, params, adult, adult_schema, tmp_path):
    train = adult.head(600)
    model = build(name, **params)
    model.fit(train, adult_schema)
    first = sample_table(model, 50, seed=4)
    assert list(first.columns) == list(adult.columns)
    assert first.dtypes.to_dict() == train.dtypes.to_dict()
    pd.testing.assert_frame_equal(first, sample_table(model, 50, seed=4))
    save(model, tmp_path / name)
    again = load(tmp_path / name)
    pd.testing.assert_frame_equal(first, sample_table(again, 50, seed=4))


def test_gaussian_copula_has_no_epochs():
    with pytest.raises(ModelError, match="does not train in epochs"):
        build("gaussian_copula", epochs=3)


def test_unknown_model():
    with pytest.raises(ModelError, match="unknown model 'gan9000'"):
        build("gan9000")
