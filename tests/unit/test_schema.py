import numpy as np
import pandas as pd
import pytest

from synth.errors import JobError, SchemaError
from synth.schema import ColumnOverride, Kind, Schema, infer_schema


def test_adult_kinds(adult_schema):
    kinds = {c.name: c.kind for c in adult_schema.columns}
    assert kinds["age"] is Kind.INTEGER
    assert kinds["income"] is Kind.CATEGORICAL
    assert adult_schema["workclass"].nullable


def test_every_kind_and_json_round_trip(mixed_table):
    schema = infer_schema(mixed_table.assign(row_id=range(len(mixed_table))), table="t")
    assert schema["hours_ratio"].kind is Kind.NUMERIC
    assert schema["is_male"].kind is Kind.BOOLEAN
    assert schema["seen"].kind is Kind.DATETIME
    assert schema["row_id"].kind is Kind.ID and not schema["row_id"].modelled
    assert Schema.from_dict(schema.to_dict()) == schema


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ([None, None, None, None], "'bad' is entirely null"),
        (["x", "x", "x", "x"], "'bad' has a single distinct value"),
        ([str(i) for i in range(19)] + ["four"], "'bad' mixes numbers and text: 1 of 20"),
        ([1, "a", 2, "b"], "'bad' mixes text with int"),
    ],
)
def test_unmodellable_columns(column, message):
    frame = pd.DataFrame({"ok": np.arange(len(column)), "bad": column})
    with pytest.raises(SchemaError, match=message) as info:
        infer_schema(frame, source="in.csv")
    assert str(info.value).startswith("in.csv: ")
    assert "four" not in str(info.value)  # no raw values in messages


def test_one_value_with_missing_ones_is_modelled():
    # present-or-missing is the information (a bonus paid or not): modelled, not refused
    frame = pd.DataFrame({"ok": np.arange(6), "bonus": [3.0, None, 3.0, None, None, 3.0]})
    column = infer_schema(frame)["bonus"]
    assert column.modelled and column.nullable


def test_unknown_override_column_is_named():
    frame = pd.DataFrame({"a": [1, 2, 3]})
    with pytest.raises(JobError, match="column 'nope' named in the job is not in the input"):
        infer_schema(frame, overrides={"nope": ColumnOverride(kind=Kind.CATEGORICAL)})
    with pytest.raises(JobError, match="'gone'"):
        infer_schema(frame, drop=["gone"])


def test_drop_and_override():
    frame = pd.DataFrame({"a": [1, 2, 3, 1], "b": ["x"] * 4})
    schema = infer_schema(frame, drop=["b"], overrides={"a": ColumnOverride(kind=Kind.CATEGORICAL)})
    assert schema.names == ["a"] and schema["a"].kind is Kind.CATEGORICAL


def test_pii_detection_by_name_and_pattern():
    frame = pd.DataFrame(
        {
            "contact": [f"user{i}@example.com" for i in range(50)],
            "customer_name": [f"Person {i}" for i in range(50)],
            "amount": np.arange(50) % 7,
        }
    )
    schema = infer_schema(frame)
    assert schema["contact"].pii == "email"
    assert schema["customer_name"].pii == "name"
    assert schema["amount"].pii is None
    assert [c.name for c in schema.modelled] == ["amount"]


def test_identifiers_are_found_by_their_values_whatever_their_names(adult):
    from synth.schema import Kind, infer_schema

    frame = adult.head(300).copy()
    frame["customer_code"] = [f"C{7_000_000 + 13 * i}" for i in range(300)]
    frame["ref"] = range(5_000, 5_300)
    frame["amount"] = (frame["fnlwgt"] * 1.01).round().astype(int).to_numpy()[::-1]
    schema = infer_schema(frame, table="t")
    assert schema["customer_code"].kind is Kind.ID and schema["customer_code"].pii == "key"
    assert schema["ref"].kind is Kind.ID
    assert schema["amount"].kind is Kind.INTEGER  # unique, but sparse and unordered: a measure
    assert schema["fnlwgt"].kind is Kind.INTEGER


def test_a_unique_email_column_still_gets_fake_emails(adult):
    import numpy as np

    from synth.sampling import sample_table
    from synth.schema import infer_schema

    frame = adult.head(200)[["age", "sex"]].copy()
    frame["contact"] = [f"person{i}@example.org" for i in range(200)]
    schema = infer_schema(frame, table="t")
    assert schema["contact"].pii == "email"

    class Echo:
        def __init__(self):
            self.schema = schema

        def sample(self, n, conditions=None, *, seed=0, progress=None):
            return frame[["age", "sex"]].sample(n, replace=True, random_state=seed).reset_index(drop=True)

    drawn = sample_table(Echo(), 50, seed=1)
    assert drawn["contact"].str.contains("@").all()
    assert not np.isin(drawn["contact"], frame["contact"]).any()
