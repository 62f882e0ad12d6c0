"""The synthesize flow end to end on a real table, under prefect_test_harness."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.pipeline import synthesize
from synth.jobs import parse_job
from tests.conftest import TINY_VAE


def make_job(adult_csv, output, **extra):
    return parse_job(
        {
            "name": "adult-e2e",
            "input": str(adult_csv),
            "model": {"name": "vae", "params": TINY_VAE},
            "rows": 500,
            "seed": 7,
            "output": str(output),
            **extra,
        }
    )


@pytest.fixture(scope="module")
def two_runs(adult_csv, tmp_path_factory, prefect_harness):
    output = tmp_path_factory.mktemp("runs")
    first = synthesize(make_job(adult_csv, output))
    second = synthesize(make_job(adult_csv, output))
    return output, first, second


def test_run_folder_has_everything(two_runs, adult):
    output, first, _ = two_runs
    files = {p.name for p in first.run_dir.iterdir()}
    assert {"synthetic.parquet", "model", "manifest.json"} <= files
    synthetic = pd.read_parquet(first.run_dir / "synthetic.parquet")
    assert len(synthetic) == 500
    assert synthetic.dtypes.to_dict() == adult.dtypes.to_dict()
    manifest = json.loads((first.run_dir / "manifest.json").read_text())
    assert manifest["rows"] == {"input": 3000, "train": 2400, "holdout": 600, "synthetic": 500}
    assert manifest["input"]["fingerprint"].startswith("sha256:")
    assert manifest["model"]["name"] == "vae" and manifest["seed"] == 7
    assert {"sdv", "torch", "prefect"} <= set(manifest["versions"])
    assert {"read", "fit", "sample"} <= set(manifest["timings_seconds"])
    assert not list(output.glob(".*partial"))


def test_same_seed_writes_identical_parquet(two_runs):
    output, first, second = two_runs
    assert first.run_dir != second.run_dir
    a = pd.read_parquet(first.run_dir / "synthetic.parquet")
    b = pd.read_parquet(second.run_dir / "synthetic.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (output / "latest").read_text().strip() == second.run_dir.name


def test_failed_run_leaves_nothing(adult_csv, tmp_path, prefect_harness):
    from synth.errors import ModelError

    job = make_job(
        adult_csv,
        tmp_path / "out",
        model={"name": "vae", "params": {"epochs": 1, "device": "cuda:7"}},
    )
    with pytest.raises(ModelError):
        synthesize(job)
    assert not list((tmp_path / "out").rglob("*.parquet"))
    assert not list((tmp_path / "out").glob(".*partial"))
