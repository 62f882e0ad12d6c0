"""Text columns that are really dates or numbers are parsed, and what did not parse is said."""

import pandas as pd
import pytest

from synth.errors import InputError, SchemaError
from synth.io import read


def _csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_day_first_dates_are_dates(tmp_path):
    rows = "\n".join(f"{d:02d}/{m:02d}/1995,{d}" for d in (3, 17, 25) for m in (1, 6, 11))
    table = read(_csv(tmp_path, "opened,n\n" + rows + "\n"))
    assert pd.api.types.is_datetime64_any_dtype(table.frame["opened"])
    assert table.frame["opened"].iloc[3] == pd.Timestamp("1995-01-17") and not table.notes


def test_iso_dates_with_one_bad_value_are_parsed_and_the_loss_is_said(tmp_path):
    rows = [f"2020-01-{d:02d}" for d in range(1, 29)] + ["2020-02-31x"]
    table = read(_csv(tmp_path, "day,n\n" + "\n".join(f"{r},{i}" for i, r in enumerate(rows)) + "\n"))
    assert pd.api.types.is_datetime64_any_dtype(table.frame["day"])
    assert table.frame["day"].isna().sum() == 1
    assert table.notes == [
        f"{tmp_path / 't.csv'}: column 'day': read as ISO dates; 1 of 29 values "
        "did not parse and are treated as missing"
    ]
    assert "2020-02-31x" not in " ".join(table.notes)


def test_mixed_time_zones_are_normalised_to_utc_and_said(tmp_path):
    rows = ["2020-01-01T10:00:00+02:00", "2020-01-01T10:00:00", "2020-01-02T00:00:00Z"] * 5
    table = read(_csv(tmp_path, "at,n\n" + "\n".join(f"{r},1" for r in rows) + "\n"))
    assert str(table.frame["at"].dt.tz) == "UTC"
    assert table.frame["at"].iloc[0] == pd.Timestamp("2020-01-01T08:00:00Z")
    assert "mixed time zones" in table.notes[0]


def test_decimal_commas_are_numbers(tmp_path):
    table = read(_csv(tmp_path, "amount;n\n1.234,50;1\n17,25;2\n3,5;3\n", "semi.csv"))
    assert table.frame["amount"].tolist() == [1234.5, 17.25, 3.5]


def test_a_numeric_column_with_a_quarter_text_is_refused_by_name(tmp_path):
    from synth.schema import infer_schema

    values = [str(i) for i in range(30)] + ["n/k", "unknown", "tbd"] * 4
    table = read(_csv(tmp_path, "amount,n\n" + "\n".join(f"{v},1" for v in values) + "\n"))
    with pytest.raises(SchemaError, match="column 'amount' mixes numbers and text: 12 of 42 values"):
        infer_schema(table.frame, table="t")


def test_duplicate_column_names_are_refused(tmp_path):
    with pytest.raises(InputError, match="column 'age' appears twice in the header"):
        read(_csv(tmp_path, "age,sex,age\n1,M,2\n"))


def test_a_bad_byte_past_the_first_chunk_is_placed_exactly(tmp_path):
    body = "".join(f"{i},x\n" for i in range(40_000)).encode()
    path = tmp_path / "late.csv"
    path.write_bytes(b"n,s\n" + body + "café,y\n".encode("latin-1"))
    offset = len(b"n,s\n" + body) + 3
    with pytest.raises(InputError, match=f"byte {offset:,}\\)"):
        read(path)


def test_gzip_csv_is_read(tmp_path, adult):
    path = tmp_path / "adult.csv.gz"
    adult.head(50).to_csv(path, index=False)
    assert read(path).frame.shape == (50, adult.shape[1])
