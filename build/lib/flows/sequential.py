"""The ``sequential`` flow: events (+ context) -> validate input -> split entities -> fit the
sequence model -> sample entities and events -> privacy gate on histories -> validate output
-> publish ``entities.parquet`` and ``events.parquet`` (or quarantine).

Tasks wrap library calls; the model is reused from an earlier run of the job when both input
fingerprints, the model, the seed and the schema are unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.pipeline import (
    IO_RETRIES,
    Laps,
    RunResult,
    model_record,
    publish_artifacts,
    refuse_unpublished,
    reuse_model,
    run_logger,
    validate_input,
    validate_output,
    validation_record,
)
from synth import io, models
from synth.errors import GateFailed
from synth.evaluation.sequence_bench import split_entities
from synth.evaluation.sequential import EventView, sequence_fidelity
from synth.jobs import Job
from synth.manifest import build_manifest
from synth.models.base import Progress
from synth.privacy.sequences import sequence_gate
from synth.progress import LoggedProgress
from synth.runs import RunFolder
from synth.schema import ColumnOverride, Kind, Schema, infer_schema


@task(name="read events", cache_policy=NO_CACHE, **IO_RETRIES)
def read_tables(job: Job) -> tuple[io.Table, io.Table | None]:
    """The events and, when the job names one, the context table."""
    context = job.sequential.context
    return io.read(job.input.source()), (io.read(context.source()) if context else None)


@task(name="infer schema", cache_policy=NO_CACHE)
def infer(table: io.Table, job: Job) -> Schema:
    """The events' schema: the entity key is an identifier, plus the job's overrides."""
    key = job.sequential.entity_key
    overrides = {key: ColumnOverride(kind=Kind.ID), **job.schema_.overrides()}
    if key not in table.frame.columns:
        from synth.errors import JobError

        raise JobError(f"{table.source}: entity key column '{key}' is not in the input")
    return infer_schema(
        table.frame, table=table.name, overrides=overrides, drop=job.schema_.drop, source=table.source
    )


@task(name="fit sequence model", cache_policy=NO_CACHE)
def fit_sequence(train, context, schema: Schema, job: Job, model_dir: Path, fingerprint: str, progress):
    """Fit (or reuse) the sequence model on the training entities and save it."""
    model = reuse_model(job, schema, fingerprint, model_dir)
    if model is not None:
        return model
    spec = job.sequential
    params = {"seed": job.seed, **job.model.params}
    params.update(entity_key=spec.entity_key, time_column=spec.time_column)
    model = models.build("sequence", **params)
    model.fit(train, schema, context=context, progress=progress)
    models.save(model, model_dir)
    return model


@task(name="sample entities", cache_policy=NO_CACHE)
def sample_entities(model, n: int, job: Job, progress):
    """Draw entities and their events."""
    return model.sample_entities(n, seed=job.seed, progress=progress)


@task(name="privacy gate", cache_policy=NO_CACHE)
def gate(entities, events, train, holdout, view: EventView, schema: Schema, job: Job):
    """Copies of histories removed; distances of per-entity aggregates; identifiers; rare values."""
    return sequence_gate(entities, events, train, holdout, view, schema, job.privacy, seed=job.seed)


@task(name="write outputs", cache_policy=NO_CACHE, **IO_RETRIES)
def write_outputs(entities, events, manifest: dict, run: RunFolder, publish: bool) -> Path:
    """Parquet and manifest into the work folder, then publish or quarantine."""
    io.write_parquet(entities, run.path("entities.parquet"))
    io.write_parquet(events, run.path("events.parquet"))
    io.write_json(manifest, run.path("manifest.json"))
    return run.publish() if publish else run.quarantine_run()


def _fingerprint(events: io.Table, context: io.Table | None) -> str:
    if context is None:
        return events.fingerprint
    return hashlib.sha256(f"{events.fingerprint}:{context.fingerprint}".encode()).hexdigest()


@flow(name="sequential", log_prints=False)
def sequential(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``sequential`` job end to end; a failure leaves nothing where readers look."""
    progress = LoggedProgress(run_logger(), progress)
    lap = Laps()
    timings = lap.timings
    spec = job.sequential
    table, context = read_tables(job)
    lap("read")
    schema = infer(table, job)
    lap("schema")
    run = RunFolder.create(job.output_dir())
    try:
        suite, input_check = validate_input(table, schema, job, run)
        lap("validate_input")
        train, holdout = split_entities(table.frame, spec.entity_key, job.holdout, job.seed)
        lap("split")
        fingerprint = _fingerprint(table, context)
        context_frame = context.frame if context is not None else None
        model = fit_sequence(train, context_frame, schema, job, run.path("model"), fingerprint, progress)
        lap("fit")
        n = spec.entities or train[spec.entity_key].nunique()
        entities, events = sample_entities(model, n, job, progress)
        lap("sample")
        booked_train = model.prepare(train, schema, context_frame)[0]
        booked_holdout = model.prepare(holdout, schema, context_frame)[0]
        view = EventView.of(booked_train, model)
        sampled = len(events)
        entities, events, verdict = gate(entities, events, booked_train, booked_holdout, view, schema, job)
        lap("privacy")
        output_check = validate_output(events, suite, run, job) if job.validation.output else None
        lap("validate_output")
        fidelity = sequence_fidelity(booked_train, events, view)
        lap("evaluate")
        consistent = fidelity.get("balance_consistency", 1.0) == 1.0
        publish = verdict.passed and consistent and (output_check is None or output_check.success)
        validation = validation_record(input_check, output_check, run)
        manifest = build_manifest(
            job=job.model_dump(mode="json", by_alias=True),
            run_id=run.run_id,
            input_source=table.source + (f" + context {context.source}" if context else ""),
            fingerprint=fingerprint,
            schema=schema.to_dict(),
            rows={
                "input_events": len(table.frame),
                "train_entities": int(train[spec.entity_key].nunique()),
                "holdout_entities": int(holdout[spec.entity_key].nunique()),
                "sampled_entities": n,
                "sampled_events": sampled,
                "synthetic_entities": len(entities),
                "synthetic_events": len(events),
            },
            model=model_record(model),
            seed=job.seed,
            timings=timings,
            outputs={
                "entities": "entities.parquet",
                "events": "events.parquet",
                "model": "model/",
                "manifest": "manifest.json",
                "validation": "validation/",
            },
            extra={"privacy": verdict.to_dict(), "validation": validation, "fidelity": fidelity},
        )
        run_dir = write_outputs(entities, events, manifest, run, publish)
    except BaseException:
        run.discard()
        raise
    lap("write")
    artifacts = publish_artifacts(manifest, run_dir)
    if verdict.passed and not consistent:
        raise GateFailed(f"synthetic balances are not consistent; nothing published, see {run_dir}")
    refuse_unpublished(verdict, output_check, suite, run_dir, "events")
    return RunResult(run_dir, manifest, timings, artifacts)
