"""Retention: the newest runs stay, published and quarantined counted apart; the run that just
ended, ``latest``, other files and live runs' work folders are never touched; a removal cut
short is swept by the next."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from synth.errors import JobError
from synth.jobs import parse_job
from synth.pipeline.retention import prune_runs, run_ids
from synth.pipeline.run import DOCS_SITE, Run

PUBLISHED = [f"2026110{d}T020000Z" for d in range(1, 6)]
QUARANTINED = ["20261102T020000Z-002", "20261104T020000Z-002", "20261106T020000Z"]


def _output(tmp_path):
    out = tmp_path / "out"
    for run in PUBLISHED:
        (out / run / "model").mkdir(parents=True)
        (out / run / "manifest.json").write_text("{}")
    for run in QUARANTINED:
        (out / "quarantine" / run).mkdir(parents=True)
    (out / "latest").write_text(PUBLISHED[-1] + "\n")
    (out / "notes").mkdir()  # not a run: never counted, never removed
    (out / ".20261107T020000Z.partial").mkdir()  # a live run's work folder
    for run in PUBLISHED + QUARANTINED:
        (out / DOCS_SITE / "validations" / "s-input" / run).mkdir(parents=True)
    return out


def _prune(out, keep, current=PUBLISHED[-1]):
    return prune_runs(out, keep, current=current, docs=out / DOCS_SITE, title="j")


def test_the_newest_runs_stay_and_the_rest_go_with_their_pages(tmp_path):
    out = _output(tmp_path)
    pruned = _prune(out, 2)
    assert run_ids(out) == PUBLISHED[-2:]
    assert run_ids(out / "quarantine") == QUARANTINED[-2:]
    assert pruned.published == tuple(PUBLISHED[:3]) and pruned.quarantined == (QUARANTINED[0],)
    assert sorted(p.name for p in (out / DOCS_SITE / "validations" / "s-input").iterdir()) == sorted(
        PUBLISHED[-2:] + QUARANTINED[-2:]
    )
    assert pruned.docs_folders == 4 and "removed 3 older published and 1 quarantined" in pruned.line(2)
    assert (out / "latest").read_text().strip() == PUBLISHED[-1]
    assert (out / "notes").is_dir() and (out / ".20261107T020000Z.partial").is_dir()
    assert not [p for p in out.iterdir() if ".gone-" in p.name]
    assert _prune(out, 2) == type(pruned)()  # nothing more to do


def test_the_run_that_just_ended_is_kept_even_when_newer_ones_finished_first(tmp_path):
    out = _output(tmp_path)
    _prune(out, 1, current=PUBLISHED[0])
    assert run_ids(out) == [PUBLISHED[0], PUBLISHED[-1]]


def test_a_removal_cut_short_is_swept_and_concurrent_prunes_agree(tmp_path):
    out = _output(tmp_path)
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)  # fmt: skip
    (out / f".20261001T020000Z.gone-{dead}" / "model").mkdir(parents=True)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: _prune(out, 3), range(4)))
    assert sorted(r for result in results for r in result.published) == PUBLISHED[:2]  # each once
    assert run_ids(out) == PUBLISHED[-3:]
    assert not [p for p in out.iterdir() if ".gone-" in p.name]


def test_keep_runs_is_at_least_one():
    with pytest.raises(JobError, match="keep_runs: Input should be greater than or equal to 1"):
        parse_job({"name": "j", "input": "x.csv", "model": "vae", "keep_runs": 0})
    with pytest.raises(ValueError, match="at least 1"):
        prune_runs(Path("."), 0, current="x", docs=Path("."), title="")


def test_a_job_with_keep_runs_keeps_that_many_after_each_run(tmp_path):
    job = parse_job({"name": "t", "input": "x.csv", "model": "vae", "output": str(tmp_path / "out"),
                     "keep_runs": 2})  # fmt: skip
    finals = []
    for publish in (True, True, False, True, True):
        with Run.start(job) as run:
            run.write("synthetic", pd.DataFrame({"a": [1]}))
            finals.append(run.close(publish=publish))
    out = tmp_path / "out"
    assert run_ids(out) == [finals[3].name, finals[4].name]
    assert run_ids(out / "quarantine") == [finals[2].name]
    assert (out / "latest").read_text().strip() == finals[4].name


def test_a_failed_removal_is_a_warning_and_the_run_stands(tmp_path, monkeypatch, caplog):
    import synth.pipeline.run as run_module

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_module, "prune_runs", full_disk)
    job = parse_job({"name": "t", "input": "x.csv", "model": "vae", "output": str(tmp_path / "out"),
                     "keep_runs": 1})  # fmt: skip
    with caplog.at_level("WARNING"), Run.start(job) as run:
        final = run.close(publish=True)
    assert final.is_dir() and (tmp_path / "out" / "latest").read_text().strip() == final.name
    assert "keep_runs 1: older runs not removed" in caplog.text
