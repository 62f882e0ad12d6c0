"""Risk simulation on a 2-worker Dask LocalCluster, scheduled jobs, and model reuse."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from flows.simulate import simulate, task_runner
from synth.models import build, save
from synth.schema import infer_schema
from tests.conftest import DATA, ROOT


def digests(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".parquet", ".json")
    }


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    frame = pd.read_csv(DATA / "berka_loans.csv", parse_dates=["loan_date", "account_date"])
    model = build("vae", epochs=8, d_model=32, batch_size=128)
    model.fit(frame, infer_schema(frame, table="loans"))
    return save(model, tmp_path_factory.mktemp("m") / "model")


@pytest.mark.slow
def test_dask_scenarios_are_partitioned_reproducible_and_summarised(model_dir, tmp_path, prefect_harness):
    args = dict(
        model_dir=str(model_dir),
        scenarios=6,
        rows=900,
        seed=11,
        chunk_rows=400,
        stresses=["default=yes*2", "loan_amount*1.2"],
        metrics=["loss = sum: loan_amount * (default == 'yes') * 0.45", "n = count: loan_amount"],
    )
    out = tmp_path / "sim"
    first = simulate.with_options(task_runner=task_runner(workers=2))(out_dir=str(out), **args)
    before = digests(out)
    parts = sorted(p.relative_to(out).as_posix() for p in out.rglob("part-*.parquet"))
    assert len(parts) == 6 * 3 and parts[0] == "scenario=0/part-00000.parquet"
    scenario = pd.read_parquet(out / "scenario=2")
    assert len(scenario) == 900 and (scenario["scenario"] == 2).all()
    summary = pd.read_parquet(out / "summary.parquet")
    assert list(summary["scenario"]) == list(range(6)) and (summary["n"] == 900).all()
    figures = first["figures"]["loss"]
    assert figures["mean"] <= figures["var_99"] <= figures["es_97_5"] * 1.0001
    from synth.validation.docs import remote_references

    page = (out / "report.html").read_text()
    assert "VaR 99 %" in page and remote_references(page) == []  # offline: nothing fetched
    # rerun with one worker into the same folder: byte-identical, no duplicates, no leftovers
    simulate.with_options(task_runner=task_runner(workers=1))(out_dir=str(out), **args)
    assert digests(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["sim"]


def test_bad_stress_fails_before_any_scenario(model_dir, tmp_path, prefect_harness):
    from synth.errors import JobError

    with pytest.raises(JobError, match="'nope' is not in the model's schema"):
        simulate(str(model_dir), str(tmp_path / "x"), 2, 10, ["nope*2"], [], 0, 100)
    assert not (tmp_path / "x").exists()


def test_serve_registers_the_bundled_jobs_with_their_schedules():
    from flows.serve import build_deployments

    deployments = {d.name: d for d in build_deployments(ROOT / "flows" / "jobs")}
    assert deployments["adult-nightly"].schedules[0].schedule.cron == "0 2 * * *"
    assert deployments["berka-risk"].schedules[0].schedule.cron == "0 4 * * 1"
    assert deployments["berka-risk"].parameters["job_file"].endswith("berka_risk.yaml")


def test_invalid_cron_is_a_job_error(tmp_path):
    from synth.errors import JobError
    from synth.jobs import load_job

    job = tmp_path / "j.yaml"
    job.write_text("name: j\ninput: a.csv\nmodel: vae\nschedule: every night\n")
    with pytest.raises(JobError, match="not a valid cron expression"):
        load_job(job)


@pytest.mark.slow
def test_scheduled_run_reuses_model_until_the_input_changes(tmp_path, prefect_harness):
    from flows.synthesize import synthesize
    from synth.jobs import parse_job

    data = tmp_path / "loans.csv"
    pd.read_csv(DATA / "berka_loans.csv").to_csv(data, index=False)
    job = {
        "name": "nightly",
        "input": str(data),
        "model": {"name": "gaussian_copula"},
        "rows": 200,
        "output": str(tmp_path / "out"),
        "privacy": {"attacks": False, "dcr_share_max": 0.75},  # this test is about reuse; 200 rows are noisy
        "keep_runs": 2,
    }
    first = synthesize(parse_job(job))
    second = synthesize(parse_job(job))
    assert first.manifest["model"]["reused_from"] is None
    assert second.manifest["model"]["reused_from"] == first.run_dir.name
    pd.read_csv(data).iloc[:-5].to_csv(data, index=False)  # the input changed: retrain
    third = synthesize(parse_job(job))
    assert third.manifest["model"]["reused_from"] is None
    (third.run_dir / "model" / "model.json").write_text("{")  # e.g. saved by an older synth
    fourth = synthesize(parse_job(job))
    assert fourth.manifest["model"]["reused_from"] is None
    runs = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name[0].isdigit())
    assert runs == [third.run_dir.name, fourth.run_dir.name]  # keep_runs: 2
    index = (tmp_path / "out" / "data-docs" / "index.html").read_text()
    assert first.run_dir.name not in index and fourth.run_dir.name in index
