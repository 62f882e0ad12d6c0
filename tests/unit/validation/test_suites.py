import json

import pytest

from synth.errors import InputError, JobError
from synth.validation.checks import validate_frame
from synth.validation.suites import load_suite, profile_suite, save_suite


def test_profile_round_trip_counts_every_expectation(adult, adult_schema, tmp_path):
    suite = profile_suite(adult, adult_schema, "probe")
    path = save_suite(suite, "probe", tmp_path)
    loaded = load_suite(str(path))
    assert len(loaded.expectations) == len(suite["expectations"])
    kinds = {e["type"] for e in suite["expectations"]}
    assert {
        "expect_table_columns_to_match_set",
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_not_be_null",
    } <= kinds


def test_an_invalid_expectation_fails_loudly(adult, adult_schema, tmp_path):
    suite = profile_suite(adult, adult_schema, "probe")
    suite["expectations"].append({"type": "expect_column_values_to_be_between", "kwargs": {}, "meta": {}})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(suite))
    n = len(suite["expectations"])
    with pytest.raises(
        InputError, match=f"expectation #{n} \\(expect_column_values_to_be_between\\) was rejected"
    ):
        load_suite(str(path))


def test_missing_and_malformed_suites(tmp_path):
    with pytest.raises(JobError, match="no such expectation suite"):
        load_suite(str(tmp_path / "none.json"))
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="not an expectation suite"):
        load_suite(str(tmp_path / "x.json"))


@pytest.mark.parametrize(
    ("suite", "data"), [("adult", "adult_sample.csv"), ("berka_loans", "berka_loans.csv")]
)
def test_shipped_suites_with_business_rules_pass_their_data(suite, data):
    from synth.io import read
    from tests.conftest import DATA

    loaded = load_suite(suite)
    assert any("business rule" in str(e.meta) for e in loaded.expectations)
    assert validate_frame(read(DATA / data).frame, loaded).success


def test_business_rule_catches_a_broken_synthetic_table():
    from synth.io import read
    from tests.conftest import DATA

    loans = read(DATA / "berka_loans.csv").frame
    loans.loc[:9, "duration"] = 18  # not a whole number of years
    result = validate_frame(loans, load_suite("berka_loans"))
    assert not result.success
    assert any(o.column == "duration" and o.unexpected_count == 10 for o in result.failed)
