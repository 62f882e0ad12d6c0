import pytest

from synth.errors import InputError
from synth.split import split


def test_split_is_disjoint_seeded_and_complete(adult):
    keyed = adult.reset_index().rename(columns={"index": "row"})
    train, holdout = split(keyed, holdout=0.2, seed=3)
    assert len(holdout) == 600 and len(train) == 2400
    assert set(train["row"]).isdisjoint(holdout["row"])
    again, _ = split(keyed, holdout=0.2, seed=3)
    assert train.equals(again)


def test_too_small(adult):
    with pytest.raises(InputError, match="too few"):
        split(adult.head(2), holdout=0.2)
