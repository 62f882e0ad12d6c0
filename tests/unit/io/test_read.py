import sqlite3

import pandas as pd
import pytest

from synth.errors import InputError
from synth.io import Source, read
from tests.conftest import file_digest


def test_csv_reads_real_adult_with_missing_markers(adult_csv):
    table = read(adult_csv)
    assert len(table.frame) == 3000
    assert table.frame["workclass"].isna().any()  # '?' is missing
    assert table.fingerprint.startswith("sha256:")
    assert table.name == "adult_sample"


def test_semicolon_file_and_iso_dates_are_understood(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('"id";"when";"amount"\n1;"2024-01-05";3.5\n2;"2024-02-01";4.0\n')
    frame = read(path).frame
    assert list(frame.columns) == ["id", "when", "amount"]
    assert pd.api.types.is_datetime64_any_dtype(frame["when"])


def test_parquet_file_and_folder(tmp_path, adult):
    adult.head(100).to_parquet(tmp_path / "a.parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    adult.head(50).to_parquet(folder / "part-0.parquet")
    adult.iloc[50:100].to_parquet(folder / "part-1.parquet")
    assert len(read(tmp_path / "a.parquet").frame) == 100
    assert len(read(folder).frame) == 100


def test_sqlite_table_and_query(tmp_path, adult):
    db = tmp_path / "bank.db"
    with sqlite3.connect(db) as connection:
        adult.head(200).to_sql("people", connection, index=False)
    before = file_digest(db)
    by_table = read(Source(f"sqlite:///{db}", table="people"))
    by_query = read(Source(f"sqlite:///{db}", query="SELECT age, income FROM people WHERE age > 30"))
    assert len(by_table.frame) == 200
    assert list(by_query.frame.columns) == ["age", "income"]
    assert file_digest(db) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"a,b,c\n", "has a header but no rows"),
        (b"name,city\nJos\xe9,Brno\nAnna,Praha\n", "not valid utf-8 text"),
    ],
)
def test_bad_csv_gives_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)
    assert path.read_bytes() == content


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.csv")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read(path)


def test_sql_errors_name_the_source_without_password(tmp_path):
    with pytest.raises(InputError, match="no such SQLite database"):
        read(Source(f"sqlite:///{tmp_path}/missing.db", table="t"))
    db = tmp_path / "x.db"
    sqlite3.connect(db).close()
    with pytest.raises(InputError, match="nope"):
        read(Source(f"sqlite:///{db}", table="nope"))
    with pytest.raises(InputError, match="exactly one of --table or --query"):
        read(Source(f"sqlite:///{db}"))
