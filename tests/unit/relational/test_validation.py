"""Suites per table, and one expectation per key on booleans: names and counts, never a value."""

import json

from synth.relational.database import read_database
from synth.relational.integrity import check_database
from synth.relational.validation import key_frame, table_suites, validate_keys, validate_tables
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def berka():
    return check_database(read_database(BERKA, BERKA / "keys.yaml")).database


def test_a_table_suite_requires_its_foreign_keys_without_their_values(tmp_path):
    real = berka()
    suites = table_suites({"loan": real.tables["loan"]}, real.keys, tmp_path)
    saved = json.loads((tmp_path / "loan.json").read_text())
    about_key = [e for e in saved["expectations"] if e["kwargs"].get("column") == "account_id"]
    assert [e["type"] for e in about_key] == ["expect_column_to_exist"]
    assert set(saved["expectations"][0]["kwargs"]["column_set"]) == set(real.tables["loan"].columns)
    assert validate_tables({"loan": real.tables["loan"]}, suites, None, "input").success


def test_a_dangling_key_and_a_duplicate_primary_key_fail_their_expectations():
    real = berka()
    tables = dict(real.tables)
    assert key_frame(tables, real.keys).all().all()
    loans = tables["loan"].copy()
    loans.loc[0, "account_id"] = -1
    loans.loc[1, "loan_id"] = loans.loc[2, "loan_id"]
    tables["loan"] = loans
    result = validate_keys(tables, real.keys, docs=None)
    failed = {(o.column, o.unexpected_count) for o in result.failed}
    assert failed == {("keys: loan.account_id", 1), ("keys: loan.loan_id", 2)}
    assert "-1" not in json.dumps(result.to_dict())
