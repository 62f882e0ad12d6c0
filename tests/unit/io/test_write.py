import pandas as pd
import pytest

from synth.io import atomic_path, write_parquet


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_parquet_keeps_names_and_dtypes(tmp_path):
    frame = pd.DataFrame(
        {
            "a b": [1, 2],
            "when": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "flag": [True, False],
        }
    )
    path = write_parquet(frame, tmp_path / "x.parquet")
    back = pd.read_parquet(path)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]
