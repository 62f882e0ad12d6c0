"""The ``synthesize`` flow: read -> infer schema -> split -> fit -> sample -> write.

Tasks wrap library calls. Only tasks that touch the outside world (reading the source, writing
outputs) retry, with backoff, and only on transient errors: a bad input fails at once with its
one-line message. Tasks take and return small objects or paths; DataFrames pass between tasks in
process with caching off (Prefect cannot key a cache on a DataFrame reliably).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from synth import io, models
from synth.errors import GateFailed, SynthError
from synth.jobs import Job
from synth.manifest import build_manifest
from synth.models.base import Progress
from synth.privacy import gate as privacy
from synth.runs import RunFolder
from synth.sampling import sample_table
from synth.schema import Schema, infer_schema
from synth.split import split


def _transient(task, task_run, state) -> bool:
    """Retry only errors that may pass (I/O, network); never a SynthError (bad input)."""
    try:
        state.result()
    except SynthError:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return False


IO_RETRIES = {"retries": 3, "retry_delay_seconds": [1, 4, 10], "retry_condition_fn": _transient}


@dataclass
class RunResult:
    """What a finished run produced."""

    run_dir: Path
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


@task(name="read input", cache_policy=NO_CACHE, **IO_RETRIES)
def read_input(job: Job) -> io.Table:
    """Read the job's source."""
    return io.read(job.input.source())


@task(name="infer schema", cache_policy=NO_CACHE)
def infer(table: io.Table, job: Job) -> Schema:
    """Infer the schema with the job's overrides."""
    return infer_schema(
        table.frame,
        table=table.name,
        overrides=job.schema_.overrides(),
        drop=job.schema_.drop,
        source=table.source,
    )


@task(name="split holdout", cache_policy=NO_CACHE)
def split_holdout(frame: pd.DataFrame, job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep a real holdout that the model never sees."""
    return split(frame, holdout=job.holdout, seed=job.seed)


@task(name="fit model", cache_policy=NO_CACHE)
def fit_model(
    train: pd.DataFrame, schema: Schema, job: Job, model_dir: Path, progress: Progress | None
):
    """Fit the job's model on the training rows and save it."""
    params = dict(job.model.params)
    params.setdefault("seed", job.seed)
    model = models.build(job.model.name, **params)
    model.fit(train, schema, progress=progress)
    models.save(model, model_dir)
    return model


@task(name="sample", cache_policy=NO_CACHE)
def sample(model, rows: int, job: Job, progress: Progress | None) -> pd.DataFrame:
    """Draw the synthetic rows."""
    return sample_table(model, rows, seed=job.seed, progress=progress)


@task(name="privacy gate", cache_policy=NO_CACHE)
def privacy_gate(synthetic, train, holdout, schema: Schema, job: Job):
    """Remove copies and rare levels, then measure DCR, membership inference and attacks."""
    return privacy.gate(synthetic, train, holdout, schema, job.privacy, seed=job.seed)


@task(name="write outputs", cache_policy=NO_CACHE, **IO_RETRIES)
def write_outputs(synthetic: pd.DataFrame, manifest: dict, run: RunFolder, publish: bool) -> Path:
    """Write Parquet and manifest into the work folder, then publish it or quarantine it."""
    io.write_parquet(synthetic, run.path("synthetic.parquet"))
    io.write_json(manifest, run.path("manifest.json"))
    return run.publish() if publish else run.quarantine_run()


@flow(name="synthesize", log_prints=False)
def synthesize(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``synthesize`` job end to end; a failure leaves no partial output."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    table = read_input(job)
    lap("read")
    schema = infer(table, job)
    lap("schema")
    train, holdout = split_holdout(table.frame, job)
    lap("split")
    run = RunFolder.create(job.output_dir())
    try:
        model = fit_model(train, schema, job, run.path("model"), progress)
        lap("fit")
        rows = job.rows or len(train)
        synthetic = sample(model, rows, job, progress)
        lap("sample")
        synthetic, verdict = privacy_gate(synthetic, train, holdout, schema, job)
        lap("privacy")
        manifest = build_manifest(
            job=job.model_dump(mode="json", by_alias=True),
            run_id=run.run_id,
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(),
            rows={
                "input": len(table.frame),
                "train": len(train),
                "holdout": len(holdout),
                "synthetic": rows,
            },
            model={"name": model.name, "params": model.params(), **_history(model)},
            seed=job.seed,
            timings=timings,
            outputs={
                "synthetic": "synthetic.parquet",
                "model": "model/",
                "manifest": "manifest.json",
            },
        )
        run_dir = write_outputs(synthetic, manifest, run)
    except BaseException:
        run.discard()
        raise
    lap("write")
    return RunResult(run_dir, manifest, timings)


def _history(model) -> dict:
    history = getattr(model, "history", None)
    return {"training": history} if history else {}
