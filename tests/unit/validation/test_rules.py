"""Rules as expectations: an injected violation fails, names the rule and counts rows only."""

import json

import pandas as pd
import pytest

from synth.io import read
from synth.rules.select import rules_for
from synth.schema import infer_schema
from synth.split import split
from synth.validation.checks import DocsSite
from synth.validation.rules import rule_suite, validate_rules
from tests.conftest import DATA


@pytest.fixture(scope="module")
def loans():
    frame = read(DATA / "berka_loans.csv").frame
    train, _ = split(frame, holdout=0.2, seed=0)
    return rules_for(train, infer_schema(frame)), train


def test_the_real_rows_pass(loans):
    schema, rows = loans
    assert validate_rules(rows, schema.rules, docs=None, label="t").success


def test_injected_violations_fail_with_the_rule_named_and_counted(loans, tmp_path):
    schema, rows = loans
    broken = rows.copy()
    broken.loc[:4, "loan_date"] = pd.Timestamp("1980-01-01")  # before every account opened
    broken.loc[:2, "loan_amount"] = broken.loc[:2, "loan_amount"] + 1
    result = validate_rules(broken, schema.rules, docs=DocsSite(tmp_path / "docs", "r"), label="t")
    failed = {o.column: o.unexpected_count for o in result.failed}
    assert failed == {
        "order: account_date <= loan_date": 5,
        "identity: duration * payments = loan_amount": 3,
    }
    assert "order: account_date <= loan_date" in result.failed[0].line() + result.failed[1].line()


def test_the_suite_holds_no_value_of_the_data(loans):
    schema, rows = loans
    text = json.dumps(rule_suite(schema.rules, "rules"))
    assert "Prague" not in text and str(int(rows["inhabitants"].iloc[0])) not in text
