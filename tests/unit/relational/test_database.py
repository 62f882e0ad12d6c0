import sqlite3

import pandas as pd

from synth.relational.database import read_database
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def test_a_folder_of_tables_with_detected_keys_matches_the_keys_file():
    from synth.relational.keys import load_keys

    detected = read_database(BERKA)
    assert detected.keys_from == "detected" and set(detected.tables) == set(
        load_keys(BERKA / "keys.yaml").tables
    )
    declared = load_keys(BERKA / "keys.yaml")
    for name, table in declared.tables.items():
        assert detected.keys.tables[name].primary_key == table.primary_key
        assert set(detected.keys.tables[name].foreign_keys) == set(table.foreign_keys)


def test_a_count_that_falls_in_an_id_range_is_not_a_key():
    from synth.relational.detect import detect_keys

    parent = pd.DataFrame({"account_id": range(1, 101)})
    child = pd.DataFrame({"loan_id": range(50), "account_id": range(1, 51), "duration": range(1, 51)})
    keys = detect_keys({"account": parent, "loan": child})
    assert [fk.column for fk in keys.tables["loan"].foreign_keys] == ["account_id"]


def test_sqlite_keys_come_from_the_catalog(tmp_path):
    path = tmp_path / "bank.db"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE account (account_id INTEGER PRIMARY KEY, frequency TEXT);
            CREATE TABLE loan (loan_id INTEGER PRIMARY KEY, amount REAL,
                               account_id INTEGER REFERENCES account(account_id));
            INSERT INTO account VALUES (1, 'monthly'), (2, 'weekly');
            INSERT INTO loan VALUES (10, 500.0, 1), (11, 800.0, 2), (12, 90.0, 1);
        """)
    before = path.read_bytes()
    database = read_database(path)
    assert database.keys_from == "catalog" and database.source.startswith("sqlite:///")
    assert database.keys.tables["loan"].primary_key == "loan_id"
    assert [fk.references for fk in database.keys.tables["loan"].foreign_keys] == ["account.account_id"]
    assert len(database.tables["loan"]) == 3
    assert path.read_bytes() == before  # read, never written
