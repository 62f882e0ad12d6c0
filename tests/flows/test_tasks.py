"""The flows' tasks, called through ``task.fn`` (no Prefect engine): each wraps one library
stage and keeps its contract."""

import pandas as pd

from flows import tasks
from synth.jobs import load_job
from synth.resources import bundled


def test_the_table_stages_keep_their_contracts(tmp_path):
    job = load_job(bundled("data", "jobs", "adult.yaml"))
    table = tasks.read_input.fn(job)
    assert len(table.frame) == 3000 and table.fingerprint.startswith("sha256:")
    schema = tasks.infer.fn(table, job)
    suite, check = tasks.validate_input.fn(table, schema, job, tmp_path / "validation")
    assert check.success and suite.name == "adult"
    train, holdout = tasks.split_holdout.fn(table.frame, job)
    assert (len(train), len(holdout)) == (2400, 600)
    ruled = tasks.learn_rules.fn(train, schema, job)
    assert ruled.rules and not schema.rules  # the stage returns a new schema; the input is kept
    assert {"education", "education-num"} <= {c for r in ruled.rules for c in r.columns}


def test_the_privacy_gate_task_drops_copies(adult, adult_schema):
    job = load_job(bundled("data", "jobs", "adult.yaml"))
    train, holdout = adult.iloc[:2000], adult.iloc[2000:2600]
    synthetic = pd.concat([holdout.iloc[:300], train.iloc[:20]], ignore_index=True)
    kept, verdict = tasks.privacy_gate.fn(synthetic, train, holdout, adult_schema, job)
    assert verdict.copies_removed >= 20 and len(kept) <= 300
