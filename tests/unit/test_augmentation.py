import pandas as pd
import pytest

from synth.augmentation import FLAG, combine, plan_counts
from synth.errors import JobError

LABELS = pd.Series(["no"] * 90 + ["yes"] * 10)


def test_balance_ratio_and_add():
    assert plan_counts(LABELS, balance=True) == {"yes": 80}
    assert plan_counts(LABELS, ratios={"yes": 0.5}) == {"yes": 35}
    assert plan_counts(LABELS, add=25) == {"yes": 25}
    three = pd.Series(["a"] * 60 + ["b"] * 30 + ["c"] * 10)
    assert plan_counts(three, add=40) == {"b": 15, "c": 25}  # shared by shortfall (30 : 50)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of"),
        ({"balance": True, "add": 3}, "exactly one of"),
        ({"ratios": {"maybe": 1.0}}, "'maybe' is not a class"),
        ({"ratios": {"yes": -1.0}}, "must be positive"),
    ],
)
def test_bad_plans(kwargs, message):
    with pytest.raises(JobError, match=message):
        plan_counts(LABELS, **kwargs)


def test_combine_keeps_schema_and_flags_rows(adult):
    out = combine(adult.head(10), adult.tail(5))
    assert list(out.columns) == [*adult.columns, FLAG]
    assert out[FLAG].tolist() == [False] * 10 + [True] * 5
    assert out.drop(columns=FLAG).dtypes.to_dict() == adult.dtypes.to_dict()
