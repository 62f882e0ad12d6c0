"""Augmentation end to end on the bundled Berka loans (real), under prefect_test_harness."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from flows.augment import augment
from synth.jobs import load_job
from tests.conftest import DATA, ROOT


@pytest.fixture(scope="module")
def fitted_frames():
    return []


@pytest.fixture(scope="module")
def run(prefect_harness, tmp_path_factory, fitted_frames):
    """The bundled job with fewer lift seeds; every frame the generator is fitted on is recorded.
    The job's own epochs: an undertrained generator is noise to the 170-row privacy attacks.
    """
    import synth.models.vae as vae

    original = vae.VAEModel.fit

    def spy(self, table, schema, **kwargs):
        fitted_frames.append(table.copy())
        return original(self, table, schema, **kwargs)

    vae.VAEModel.fit = spy
    try:
        job = load_job(ROOT / "data" / "jobs" / "berka_augment.yaml")
        job.augment.seeds = 2
        job.output = str(tmp_path_factory.mktemp("augment"))
        return augment(job)
    finally:
        vae.VAEModel.fit = original


def test_classes_are_balanced_with_the_input_schema(run):
    frame = pd.read_parquet(run.run_dir / "augmented.parquet")
    real = pd.read_csv(DATA / "berka_loans.csv", parse_dates=["loan_date", "account_date"])
    counts = frame.groupby("default").size()
    assert counts["yes"] == counts["no"]
    assert (frame["is_synthetic"] == False).sum() == len(real)  # noqa: E712 - every real row kept
    assert frame["is_synthetic"].dtype == bool
    assert set(frame.loc[frame["is_synthetic"], "default"]) == {"yes"}
    assert frame.drop(columns="is_synthetic").dtypes.to_dict() == real.dtypes.to_dict()
    assert run.manifest["privacy"]["passed"] and run.manifest["validation"]["output"]["success"]


def test_holdout_never_reaches_the_generator(run, fitted_frames):
    assert len(fitted_frames) == 1
    seen = set(fitted_frames[0]["loan_id"])
    assert len(seen) == run.manifest["rows"]["train"]
    real = pd.read_csv(DATA / "berka_loans.csv")
    assert len(seen) < len(real)  # the holdout's loans are not among them


def test_lift_report_has_three_arms_and_a_verdict(run):
    lift = run.manifest["lift"]
    assert set(lift["summary"]) == {"real", "real+synthetic", "real+smote"}
    assert {"roc_auc", "pr_auc", "recall_at_precision_0.5"} <= set(lift["summary"]["real"])
    assert "lift" in lift["verdict"]
    assert "Augmentation lift" in (run.run_dir / "report.html").read_text()


def test_cli_augment_writes_output_and_report(prefect_harness, tmp_path, monkeypatch, capsys):
    from synth.cli import main

    monkeypatch.setattr(
        sys,
        "argv",
        [
            "synth",
            "augment",
            str(DATA / "berka_loans.csv"),
            "--target",
            "default",
            "--ratio",
            "yes=0.5",
            "--out",
            str(tmp_path / "aug.parquet"),
            "--epochs",
            "5",
            "--report",
            str(tmp_path / "lift.md"),
            "--seeds",
            "2",
            "--attack-risk-max",
            "0.3",  # 682 loans: see data/jobs/berka_augment.yaml
            "--runs",
            str(tmp_path / "runs"),
        ],
    )
    try:
        main()
    except SystemExit as stop:
        assert not stop.code, capsys.readouterr().err
    frame = pd.read_parquet(tmp_path / "aug.parquet")
    counts = frame.groupby("default").size()
    assert counts["yes"] == round(0.5 * counts["no"])
    assert "real+smote" in (tmp_path / "lift.md").read_text()
    published = tmp_path / "runs" / (tmp_path / "runs" / "latest").read_text().strip()
    assert {"augmented.parquet", "manifest.json", "report.html", "lift.md"} <= {
        p.name for p in published.iterdir()
    }
    out = capsys.readouterr().out
    assert "privacy gate" in out and "rows: augmented" in out  # the summary table, as synth run prints
