"""The run folder: unique ids under concurrency, `latest` by run id, crash leftovers swept, and
model reuse that never trusts a planted folder."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from synth import models
from synth.io.write import sweep_stale
from synth.jobs import parse_job
from synth.pipeline.folder import RunFolder
from synth.pipeline.stages import reuse_model


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_concurrent_runs_get_distinct_ids(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: RunFolder.create(tmp_path), range(24)))
    assert len({f.run_id for f in folders}) == 24
    assert all(f.work.is_dir() for f in folders)


def test_latest_follows_run_ids_not_finishing_order(tmp_path):
    first, second = RunFolder.create(tmp_path), RunFolder.create(tmp_path)
    assert first.run_id < second.run_id
    second.publish()
    first.publish()  # finishes last, but is the older run
    assert (tmp_path / "latest").read_text().strip() == second.run_id
    assert (tmp_path / first.run_id).is_dir() and (tmp_path / second.run_id).is_dir()


def test_ids_keep_growing_within_a_second_after_older_runs_went(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    import synth.pipeline.folder as folder_module

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)

    monkeypatch.setattr(folder_module, "datetime", Frozen)
    first = RunFolder.create(tmp_path)
    first.publish()
    second = RunFolder.create(tmp_path)
    second.publish()
    shutil.rmtree(first.final)  # removed by retention (keep_runs: 1)
    third = RunFolder.create(tmp_path)  # not the free first id: it would sort before the second
    third.quarantine_run()
    shutil.rmtree(second.final)
    fourth = RunFolder.create(tmp_path)  # a quarantined run's id is taken too
    assert [first.run_id, second.run_id, third.run_id, fourth.run_id] == [
        "20261201T020000Z", "20261201T020000Z-002", "20261201T020000Z-003", "20261201T020000Z-004",
    ]  # fmt: skip


def test_leftovers_of_dead_processes_are_swept(tmp_path):
    dead = _dead_pid()
    (tmp_path / f".synthetic.parquet.tmp-{dead}").write_text("half")
    (tmp_path / f".model.partial-{dead}").mkdir()
    (tmp_path / f".model.old-{dead}").mkdir()  # killed between the renames: the old model is restored
    (tmp_path / f".live.tmp-{os.getpid()}").write_text("still being written")
    abandoned = tmp_path / ".20260101T000000Z.partial"
    abandoned.mkdir()
    (abandoned / ".owner").write_text(f"{dead}\n")
    RunFolder.create(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".partial") or p == abandoned)
    assert names == [f".live.tmp-{os.getpid()}", "model"]
    assert sweep_stale(tmp_path) == []


def test_an_output_that_is_a_file_is_one_error(tmp_path):
    from synth.errors import JobError

    (tmp_path / "out").write_text("x")
    with pytest.raises(JobError, match="exists and is not a folder"):
        RunFolder.create(tmp_path / "out")


@pytest.fixture
def planted_run(tmp_path, adult, adult_schema):
    """A job and a planted run folder whose manifest matches it exactly."""
    job = parse_job(
        {"name": "j", "input": "x.csv", "model": "gaussian_copula", "output": str(tmp_path / "out")}
    )
    run = tmp_path / "out" / "20991231T000000Z"
    model = models.build("gaussian_copula", seed=0)
    model.fit(adult.head(300), adult_schema)
    models.save(model, run / "model")
    manifest = {
        "input": {"fingerprint": "f"},
        "job": {"model": job.model.model_dump(mode="json")},
        "seed": job.seed,
        "schema": adult_schema.to_dict(),
    }
    (run / "manifest.json").write_text(json.dumps(manifest))
    return job, run


def test_reuse_takes_a_signed_model_of_the_same_job(planted_run, adult_schema, tmp_path):
    job, run = planted_run
    reused = reuse_model(job, adult_schema, "f", tmp_path / "work" / "model")
    assert reused is not None and reused.model.name == "gaussian_copula"
    assert reused.reused_from == run.name


def test_reuse_never_unpickles_a_planted_model(planted_run, adult_schema, tmp_path):
    job, run = planted_run
    marker = tmp_path / "pwned"
    (run / "model" / "sdv.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    assert reuse_model(job, adult_schema, "f", tmp_path / "work" / "model") is None
    assert not marker.exists() and not (tmp_path / "work" / "model").exists()


def test_reuse_takes_the_model_kind_from_the_job(planted_run, adult_schema, tmp_path):
    job, run = planted_run
    vae_job = job.model_copy(update={"model": job.model.model_copy(update={"name": "vae"})})
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["job"]["model"] = vae_job.model.model_dump(mode="json")
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert reuse_model(vae_job, adult_schema, "f", tmp_path / "work" / "model") is None
