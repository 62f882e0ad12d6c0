import json

from synth.validation.checks import DocsSite, forget_runs, validate_frame
from synth.validation.suites import load_suite, profile_suite, save_suite


def test_failures_are_aggregates_only_and_docs_are_built(adult, adult_schema, tmp_path):
    path = save_suite(profile_suite(adult, adult_schema, "probe"), "probe", tmp_path)
    suite = load_suite(str(path))
    drifted = adult.copy()
    drifted.loc[:99, "workclass"] = "LEAKED-SECRET-VALUE"  # a new category flood (>1 %)
    drifted.loc[:4, "age"] = 431
    result = validate_frame(drifted, suite, docs=DocsSite(tmp_path / "docs", "run-1"))
    assert not result.success
    failed = {(o.column, o.expectation) for o in result.failed}
    assert ("workclass", "expect_column_values_to_be_in_set") in failed
    assert ("age", "expect_column_values_to_be_between") in failed
    reported = {k: v for k, v in result.to_dict().items() if k != "docs"}  # the docs path holds a timestamp
    text = json.dumps(reported)
    assert "LEAKED-SECRET-VALUE" not in text and "431" not in text
    assert "LEAKED-SECRET-VALUE" not in json.dumps(result.to_dict())
    assert (tmp_path / "docs" / "index.html").exists()
    docs = "".join(p.read_text(errors="ignore") for p in (tmp_path / "docs").rglob("*.html"))
    assert "LEAKED-SECRET-VALUE" not in docs


def test_dropped_column_and_changed_type_are_drift(adult, adult_schema, tmp_path):
    suite = load_suite(str(save_suite(profile_suite(adult, adult_schema, "p"), "p", tmp_path)))
    assert not validate_frame(adult.drop(columns=["age"]), suite).success
    assert not validate_frame(adult.assign(age=adult["age"].astype(str)), suite).success


def test_the_site_keeps_every_run_and_names_each_by_its_run_id(adult, adult_schema, tmp_path):
    suite = load_suite(str(save_suite(profile_suite(adult, adult_schema, "p"), "p", tmp_path)))
    site = tmp_path / "docs"
    first = validate_frame(adult, suite, docs=DocsSite(site, "20261130T100000Z"), label="input")
    second = validate_frame(adult.head(500), suite, docs=DocsSite(site, "20261130T110000Z"), label="input")
    assert first.docs != second.docs and first.docs.is_file() and second.docs.is_file()
    assert "20261130T100000Z" in str(first.docs) and "__none__" not in str(first.docs)
    index = (site / "index.html").read_text()
    assert "20261130T100000Z" in index and "20261130T110000Z" in index  # the job's history
    assert len(list((site / "static").rglob("*.css"))) == len(set((site / "static").rglob("*.css")))


def test_a_forgotten_run_leaves_no_page_no_result_and_no_index_row(adult, adult_schema, tmp_path):
    suite = load_suite(str(save_suite(profile_suite(adult, adult_schema, "p"), "p", tmp_path)))
    site = tmp_path / "docs"
    old = validate_frame(adult, suite, docs=DocsSite(site, "20261130T100000Z"), label="input")
    new = validate_frame(adult.head(500), suite, docs=DocsSite(site, "20261130T110000Z"), label="input")
    assert forget_runs(site, {"20261130T100000Z", "19990101T000000Z"}, "job") == 2  # a page, a result
    assert not old.docs.exists() and new.docs.is_file()
    assert not [p for p in site.rglob("*20261130T100000Z*")]
    index = (site / "index.html").read_text()
    assert "20261130T100000Z" not in index and "20261130T110000Z" in index
    assert "20261130T100000Z" not in (site / ".store" / "rows.json").read_text()
    assert forget_runs(site, {"20261130T100000Z"}, "job") == 0
    assert forget_runs(tmp_path / "no-site", {"20261130T110000Z"}, "job") == 0


def test_a_run_reads_back_only_its_own_result_and_stores_the_suite_it_ran(
    adult, adult_schema, tmp_path, monkeypatch
):
    """GX's own index page read back every stored result at every validation, so a nightly
    job's validations grew slower with each run it had made. Our index lists the runs instead."""
    from great_expectations.data_context.store.validation_results_store import ValidationResultsStore

    suite = load_suite(str(save_suite(profile_suite(adult, adult_schema, "p"), "p", tmp_path)))
    site = tmp_path / "docs"
    validate_frame(adult, suite, docs=DocsSite(site, "run-1"), label="input")
    reads = []
    deserialize = ValidationResultsStore.deserialize
    monkeypatch.setattr(
        ValidationResultsStore,
        "deserialize",
        lambda store, value: reads.append(1) or deserialize(store, value),
    )
    skip = ("expect_column_values_to_be_in_set",)
    counts = []
    for run in ("run-2", "run-3"):
        reads.clear()
        validate_frame(adult, suite, docs=DocsSite(site, run), label="input", skip=skip)
        counts.append(len(reads))
    assert counts == [1, 1]  # the page of its own result
    index = (site / "index.html").read_text()
    assert all(run in index for run in ("run-1", "run-2", "run-3"))
    (stored,) = (site / ".store" / "expectations").rglob("*.json")
    kinds = {e["type"] for e in json.loads(stored.read_text())["expectations"]}
    assert kinds and skip[0] not in kinds  # the suite the last run ran, not the first one's
    (first,) = (site / ".store" / "validations").rglob("run-1/**/*.json")
    first.write_text("not read again")  # our index keeps each result's row once parsed
    validate_frame(adult, suite, docs=DocsSite(site, "run-4"), label="input")
    index = (site / "index.html").read_text()
    assert all(run in index for run in ("run-1", "run-2", "run-3", "run-4"))
