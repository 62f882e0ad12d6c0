"""Rules and the quality floor through the synthesize flow: kept, listed, enforced."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.synthesize import synthesize
from synth.errors import GateFailed, JobError
from synth.jobs import parse_job
from synth.models.kept import RuleKeeper
from tests.conftest import DATA, TINY_VAE

NO_ATTACKS = {"attacks": False, "dcr_share_max": 0.75}  # these tests are about rules, not privacy


def loans_job(tmp_path, **extra):
    return parse_job(
        {
            "name": "loans",
            "input": str(DATA / "berka_loans.csv"),
            "model": {"name": "vae", "params": TINY_VAE},
            "rows": 300,
            "output": str(tmp_path / "out"),
            "privacy": NO_ATTACKS,
            **extra,
        }
    )


def test_published_rows_keep_every_rule_and_the_run_lists_them(tmp_path, prefect_harness):
    result = synthesize(loans_job(tmp_path))
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    rules = {r["name"]: r for r in manifest["rules"]["rules"]}
    assert "identity: duration * payments = loan_amount" in rules
    assert "order: account_date <= loan_date" in rules
    assert manifest["rules"]["violations"] == 0
    assert all("params" not in r for r in manifest["schema"]["rules"])  # no values published
    model_json = json.loads((result.run_dir / "model" / "model.json").read_text())
    assert any(r["name"] == "depends: inhabitants -> region" for r in model_json["schema"]["rules"])
    report = (result.run_dir / "report.html").read_text()
    assert (
        report.index("overall score") < report.index("Rules of the real data") < report.index("Worst columns")
    )
    output = manifest["validation"]["output"]
    assert output["success"] and output["evaluated"] > len(rules)


def test_an_injected_violation_is_quarantined_naming_the_rule(tmp_path, prefect_harness, monkeypatch):
    original = RuleKeeper.sample

    def breaking(self, n, conditions=None, **kwargs):
        frame = original(self, n, conditions, **kwargs)
        frame.loc[:6, "loan_date"] = frame.loc[:6, "account_date"] - pd.Timedelta(days=30)
        return frame

    monkeypatch.setattr(RuleKeeper, "sample", breaking)
    with pytest.raises(GateFailed, match=r"order: account_date <= loan_date.*\(7 rows") as failure:
        synthesize(loans_job(tmp_path))
    assert "quarantine" in str(failure.value)


def test_a_weak_model_fails_the_quality_floor(adult_csv, tmp_path, prefect_harness):
    job = parse_job(
        {
            "name": "copula",
            "input": str(adult_csv),
            "model": {"name": "gaussian_copula"},
            "rows": 1000,
            "target": "income",
            "output": str(tmp_path / "out"),
            "privacy": NO_ATTACKS,
        }
    )
    with pytest.raises(GateFailed, match="quality floor failed: detection"):
        synthesize(job)
    quarantined = next((tmp_path / "out" / "quarantine").iterdir())
    manifest = json.loads((quarantined / "manifest.json").read_text())
    assert not manifest["quality"]["passed"]


def test_a_job_drops_and_declares_rules(tmp_path, prefect_harness):
    job = loans_job(
        tmp_path,
        rules={
            "drop": ["order: account_date <= loan_date", "identity: duration * payments = loan_amount"],
            "add": [{"kind": "identity", "columns": ["payments", "duration", "loan_amount"], "op": "*"}],
        },
        quality={"enabled": False},  # without the order, a tiny model's rows are easy to tell apart
    )
    manifest = synthesize(job).manifest
    rules = {r["name"]: r for r in manifest["rules"]["rules"]}
    assert "order: account_date <= loan_date" not in rules
    assert rules["identity: payments * duration = loan_amount"]["origin"] == "job"
    assert manifest["rules"]["violations"] == 0


def test_rule_names_and_rules_that_do_not_hold_are_one_clear_error(tmp_path, prefect_harness):
    with pytest.raises(JobError, match="rules.drop: no rule named 'order: a <= b'"):
        synthesize(loans_job(tmp_path, rules={"drop": ["order: a <= b"]}))
    with pytest.raises(JobError, match="'order: loan_date <= account_date' does not hold on"):
        synthesize(
            loans_job(tmp_path, rules={"add": [{"kind": "order", "columns": ["loan_date", "account_date"]}]})
        )
    with pytest.raises(JobError, match="columns must differ"):
        synthesize(
            loans_job(tmp_path, rules={"add": [{"kind": "order", "columns": ["loan_date", "loan_date"]}]})
        )
    with pytest.raises(JobError, match="unknown rule kind 'sorted'"):
        synthesize(loans_job(tmp_path, rules={"add": [{"kind": "sorted", "columns": ["loan_date"]}]}))
