import pandas as pd

from synth.keys import KEY_BASE
from synth.models import build
from synth.sampling import sample_table
from synth.schema import infer_schema


def test_keys_and_pii_are_regenerated_never_learned(adult):
    frame = adult.head(400).copy()
    frame["customer_id"] = range(1, len(frame) + 1)
    frame["email"] = [f"person{i}@bank.cz" for i in range(len(frame))]
    schema = infer_schema(frame, table="people")
    model = build("gaussian_copula")
    model.fit(frame, schema)
    out = sample_table(model, 300, seed=0)
    assert list(out.columns) == list(frame.columns)
    assert out["customer_id"].is_unique and (out["customer_id"] >= KEY_BASE).all()
    assert not set(out["customer_id"]) & set(frame["customer_id"])
    assert not set(out["email"]) & set(frame["email"])
    assert out["email"].str.contains("@").all()
    assert out.dtypes.to_dict() == frame.dtypes.to_dict()
    pd.testing.assert_frame_equal(out, sample_table(model, 300, seed=0))
