"""The synthesize flow end to end on a real table, under prefect_test_harness."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.synthesize import synthesize
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
            "target": "income",
            "validation": {"suite": "adult"},
            "privacy": {"n_attacks": 300},
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
    assert manifest["rows"] == {
        "input": 3000,
        "train": 2400,
        "holdout": 600,
        "sampled": 500,
        "synthetic": 500,
    }
    assert manifest["input"]["fingerprint"].startswith("sha256:")
    assert manifest["model"]["name"] == "vae" and manifest["seed"] == 7
    assert {"sdv", "torch", "prefect"} <= set(manifest["versions"])
    assert {"read_and_schema", "fit", "sample", "privacy", "validate_input"} <= set(
        manifest["timings_seconds"]
    )
    assert manifest["privacy"]["passed"] and manifest["validation"]["input"]["success"]
    assert {"column_shapes", "pair_trends", "tstr_auc"} <= set(manifest["fidelity"])
    assert (first.run_dir / "report.html").exists() and (output / "data-docs" / "index.html").exists()
    assert (output / manifest["validation"]["input"]["docs"]).is_file()
    assert not list(output.glob(".*partial"))


def test_same_seed_writes_identical_parquet(two_runs):
    output, first, second = two_runs
    assert first.run_dir != second.run_dir
    a = pd.read_parquet(first.run_dir / "synthetic.parquet")
    b = pd.read_parquet(second.run_dir / "synthetic.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (output / "latest").read_text().strip() == second.run_dir.name


def test_failed_privacy_gate_quarantines_and_publishes_nothing(adult_csv, tmp_path, prefect_harness):
    from synth.errors import GateFailed

    job = make_job(adult_csv, tmp_path / "out", privacy={"dcr_share_max": 0.01, "attacks": False})
    with pytest.raises(GateFailed, match=r"dcr_share 0\.\d+ \(must be <= 0\.01\)"):
        synthesize(job)
    published = [p for p in (tmp_path / "out").iterdir() if p.name not in ("quarantine", "data-docs")]
    assert published == []  # the Data Docs site keeps the refused run's validation, no rows
    quarantined = list((tmp_path / "out" / "quarantine").iterdir())
    assert len(quarantined) == 1 and (quarantined[0] / "synthetic.parquet").exists()
    import re

    links = re.findall(r'class="docs" href="([^"]+)"', (quarantined[0] / "report.html").read_text())
    assert links and all((quarantined[0] / link).is_file() for link in links)
    manifest = json.loads((quarantined[0] / "manifest.json").read_text())
    assert manifest["privacy"]["passed"] is False


def test_drifted_input_fails_before_training(adult, tmp_path, prefect_harness):
    from synth.errors import ValidationFailed

    drifted = tmp_path / "drifted.csv"
    adult.drop(columns=["hours-per-week"]).to_csv(drifted, index=False)
    job = make_job(drifted, tmp_path / "out")
    with pytest.raises(ValidationFailed, match="input failed suite 'adult' before training"):
        synthesize(job)
    written = [p for p in (tmp_path / "out").iterdir() if p.name != "data-docs"]
    assert not written, "nothing may be written, not even a model"
    index = (tmp_path / "out" / "data-docs" / "index.html").read_text()
    assert "FAIL" in index  # the job's Data Docs history shows the drift


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


def test_report_renders_in_headless_chromium(two_runs):
    """Loads the run's report in Debian's Chromium: no console errors, every plot drawn."""
    import os
    import shutil

    from tests.conftest import ROOT

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run does)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    _, first, _ = two_runs
    report = first.run_dir / "report.html"
    shots = ROOT / "tests" / "artifacts"
    shots.mkdir(exist_ok=True)
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                errors.append(f"network request: {r.url}")
                if not r.url.startswith(("file:", "data:"))
                else None
            ),
        )
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        drawn = page.eval_on_selector_all(
            "svg.plot",
            "plots => plots.map(p => p.getBoundingClientRect().width > 0 && p.getBBox().width > 0)",
        )
        page.screenshot(path=str(shots / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert len(drawn) >= 5 and all(drawn)
    assert (shots / "report.png").stat().st_size > 10_000


def test_flow_run_publishes_summary_and_table_artifacts(two_runs, prefect_harness):
    from prefect.client.orchestration import get_client

    _, first, _ = two_runs
    with get_client(sync_client=True) as client:
        summary = client.request("GET", f"/artifacts/{first.artifacts['summary']}").json()
        table = client.request("GET", f"/artifacts/{first.artifacts['figures']}").json()
        docs = client.request("GET", f"/artifacts/{first.artifacts['input_docs']}").json()
        history = client.request("GET", f"/artifacts/{first.artifacts['docs_history']}").json()
    assert docs["type"] == "markdown" and "data-docs/validations/" in docs["data"]  # a link renders as one
    assert "data-docs/index.html" in history["data"]
    assert summary["type"] == "markdown" and "privacy gate: pass" in summary["data"]
    assert table["type"] == "table" and "dcr_share" in str(table["data"])


def test_nothing_written_refers_to_the_network_and_data_docs_open_offline(two_runs):
    """Every HTML and CSS file of a run has no reference a browser would fetch; the input's
    Data Docs page opens in headless Chromium with no request out, styled, with its results."""
    import os
    import shutil

    from synth.validation.docs import remote_references

    output, first, second = two_runs
    files = [p for p in output.rglob("*") if p.suffix in (".html", ".css")]
    assert len(files) > 5
    assert {str(p): remote_references(p.read_text(errors="replace")) for p in files} == {
        str(p): [] for p in files
    }
    import re

    report = (first.run_dir / "report.html").read_text()
    links = re.findall(r'class="docs" href="([^"]+)"', report)
    assert links and all((first.run_dir / link).is_file() for link in links)  # the report links them
    history = re.findall(r'class="docs-history" href="([^"]+)"', report)
    assert history and (first.run_dir / history[0]).resolve() == (output / "data-docs" / "index.html")
    index = (output / "data-docs" / "index.html").read_text()
    assert first.manifest["run_id"] in index and second.manifest["run_id"] in index  # both runs kept
    pages = list((output / "data-docs" / "validations").glob(f"*-input/{first.manifest['run_id']}/**/*.html"))
    assert len(pages) == 1 and "__none__" not in str(pages[0])  # a real run name
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run does)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on(
            "request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(pages[0].as_uri())
        rows = page.eval_on_selector_all(
            "table tbody tr", "rows => rows.filter(r => r.offsetHeight > 0).length"
        )
        collapse = page.eval_on_selector("table", "t => getComputedStyle(t).borderCollapse")
        text = page.inner_text("body")
        page.goto((output / "data-docs" / "index.html").as_uri())
        runs = page.eval_on_selector_all("#history tr td:first-child", "cells => cells.map(c => c.innerText)")
        browser.close()
    assert requests == [] and errors == []
    assert rows > 20 and collapse == "collapse"  # styled by the inline sheet, every result shown
    assert "Evaluated Expectations" in text
    assert {first.manifest["run_id"], second.manifest["run_id"]} <= set(runs)  # the history, offline
