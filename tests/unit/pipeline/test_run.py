"""A run owns its outputs: written by key, published or quarantined whole, gone on failure; its
manifest is typed."""

import pandas as pd
import pytest
from pydantic import ValidationError

from synth.jobs import parse_job
from synth.pipeline.run import OUTPUTS, Run


@pytest.fixture
def job(tmp_path):
    return parse_job(
        {"name": "t", "input": "x.csv", "model": {"name": "vae"}, "output": str(tmp_path / "out")}
    )


def _manifest(run: Run, **extra):
    return run.manifest(
        outputs=("synthetic", "manifest"), input_source="x.csv", fingerprint="f" * 64,
        schema={"columns": []}, rows={"input": 3}, model={"name": "vae"}, **extra,
    )  # fmt: skip


def test_a_published_run_holds_what_was_written(job):
    with Run.start(job) as run:
        run.lap("fit")
        run.write("synthetic", pd.DataFrame({"a": [1, 2, 3]}))
        manifest = _manifest(run, privacy={"passed": True})
        run.write("manifest", manifest)
        final = run.close(publish=True)
    assert final == run.folder.final and (final / OUTPUTS["synthetic"]).is_file()
    assert (final.parent / "latest").read_text().strip() == run.run_id
    assert manifest["outputs"] == {"synthetic": "synthetic.parquet", "manifest": "manifest.json"}
    assert set(manifest["timings_seconds"]) == {"fit"} and manifest["seed"] == 0
    assert "quality" not in manifest  # sections a run did not produce are left out


def test_a_failed_verdict_quarantines_the_whole_run(job):
    with Run.start(job) as run:
        run.write("synthetic", pd.DataFrame({"a": [1]}))
        final = run.close(publish=False)
    assert final.parent.name == "quarantine" and (final / "synthetic.parquet").is_file()
    assert not (final.parent.parent / "latest").exists()


def test_a_failure_on_the_way_leaves_nothing(job):
    with pytest.raises(RuntimeError), Run.start(job) as run:
        run.write("synthetic", pd.DataFrame({"a": [1]}))
        raise RuntimeError("the model diverged")
    output = run.folder.output
    assert [p.name for p in output.iterdir()] == []


def test_the_manifest_refuses_an_unknown_section_and_a_wrong_type(job):
    with Run.start(job) as run:
        with pytest.raises(ValidationError, match="privcy"):
            _manifest(run, privcy={"passed": True})
        with pytest.raises(ValidationError, match="rows"):
            run.manifest(outputs=(), input_source="x", fingerprint="f", schema={}, rows={"input": "many"},
                         model={})  # fmt: skip
        with pytest.raises(KeyError):
            run.path("not-an-output")


def test_a_served_runs_synth_error_is_one_log_line():
    import logging

    import flows  # noqa: F401 - what a worker imports to run a served deployment
    from synth.errors import InputError

    record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "run failed", None, None)
    try:
        raise InputError("data.csv: column 'age' is missing")
    except InputError:
        import sys

        record.exc_info = sys.exc_info()
    for log_filter in logging.getLogger("prefect.flow_runs").filters:
        log_filter.filter(record)
    assert record.exc_info is None and record.getMessage() == "run failed"
