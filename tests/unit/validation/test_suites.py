import json

import pytest

from synth.errors import InputError, JobError
from synth.validation.checks import DocsSite, validate_frame
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


def test_a_profiled_suite_holds_no_real_extreme_or_rare_level(adult, adult_schema):
    suite = profile_suite(adult, adult_schema, "probe")
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_column_values_to_be_between":
            present = adult[kwargs["column"]].dropna()
            assert kwargs["min_value"] <= present.min() and kwargs["max_value"] >= present.max()
            assert kwargs["max_value"] != present.max()
            assert kwargs["min_value"] != present.min() or kwargs["min_value"] == 0
        if expectation["type"] == "expect_column_values_to_be_in_set":
            counts = adult[kwargs["column"]].value_counts()
            assert all(counts[level] >= 5 for level in kwargs["value_set"])
    native = adult["native-country"].value_counts()
    assert (native < 5).any()  # the sample has rare countries, and none of them is listed
    in_set = {
        e["kwargs"]["column"]: e["kwargs"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert not set(native[native < 5].index) & set(in_set["native-country"]["value_set"])


def test_the_real_table_passes_its_own_privacy_safe_suite(adult, adult_schema, tmp_path):
    path = save_suite(profile_suite(adult, adult_schema, "probe"), "probe", tmp_path)
    assert validate_frame(adult, load_suite(str(path))).success


def test_a_hostile_column_name_is_escaped_in_the_data_docs(adult, tmp_path):
    from synth.schema import infer_schema

    hostile = "<script>alert(1)</script>"
    frame = adult.head(200).rename(columns={"workclass": hostile})
    schema = infer_schema(frame, table="t")
    path = save_suite(profile_suite(frame, schema, "probe"), "probe", tmp_path)
    frame.loc[frame.index[:3], "age"] = -5
    result = validate_frame(frame, load_suite(str(path)), docs=DocsSite(tmp_path / "docs", "r"))
    pages = [p.read_text(errors="ignore") for p in (tmp_path / "docs").rglob("*.html")]
    assert pages and not any(hostile in page for page in pages)
    assert any("&lt;script&gt;" in page for page in pages)
    assert [o.column for o in result.failed] == ["age"]
    assert hostile in [o.column for o in result.outcomes]


def test_the_null_share_slack_widens_on_small_tables():
    from synth.validation.suites import null_slack

    assert null_slack(0.23, 50_000) == 0.05
    assert 0.08 < null_slack(0.23, 233) < 0.09  # three standard errors of 233 rows
    assert null_slack(0.0, 10) == 0.05
