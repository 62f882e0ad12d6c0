"""The ``sequential`` flow: events (+ context) -> validate input -> split entities -> fit the
sequence model -> sample entities and events -> privacy gate on histories -> validate output
-> publish ``entities.parquet`` and ``events.parquet`` (or quarantine).
"""

from __future__ import annotations

from prefect import flow

from flows.artifacts import publish_artifacts
from flows.tasks import IO_RETRIES, stage, validate_input, validate_output
from synth.errors import GateFailed
from synth.evaluation.sequential import sequence_fidelity
from synth.events import EventView
from synth.jobs import Job
from synth.pipeline import entities as stages
from synth.pipeline.logs import run_logger
from synth.pipeline.records import model_record, validation_record
from synth.pipeline.run import Run, RunResult, refuse_unpublished
from synth.progress import LoggedProgress, Progress
from synth.split import split_entities

read_tables = stage("read events", **IO_RETRIES)(stages.read_tables)
infer = stage("infer schema")(stages.infer_events)
fit_entities = stage("fit sequence model")(stages.fit_entities)
sample_entities = stage("sample entities")(stages.sample_entities)
gate = stage("privacy gate")(stages.gate_histories)


@flow(name="sequential", log_prints=False)
def sequential(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``sequential`` job end to end; a failure leaves nothing where readers look."""
    progress, spec = LoggedProgress(run_logger(), progress), job.sequential
    table, context = read_tables(job)
    schema = infer(table, job)
    with Run.start(job) as run:
        suite, input_check = validate_input(table, schema, job, run.path("validation"), run.docs)
        train, holdout = split_entities(table.frame, spec.entity_key, job.holdout, job.seed)
        run.lap("prepare")
        fingerprint = stages.fingerprint(table, context)
        context_frame = context.frame if context is not None else None
        fitted = fit_entities(train, context_frame, schema, job, run.path("model"), fingerprint, progress)
        model = fitted.model
        run.lap("fit")
        n = spec.entities or train[spec.entity_key].nunique()
        entities, events = sample_entities(model, n, job, progress)
        sampled = {"sampled_entities": n, "sampled_events": len(events)}
        run.lap("sample")
        booked_train, booked_holdout = (model.prepare(t, schema, context_frame)[0] for t in (train, holdout))
        view = EventView.of(booked_train, model)
        entities, events, verdict = gate(entities, events, booked_train, booked_holdout, view, schema, job)
        run.lap("privacy")
        output_check = None
        if job.validation.output:
            output_check = validate_output(events, suite, run.docs, job)
        fidelity = sequence_fidelity(booked_train, events, view)
        run.lap("validate_and_evaluate")
        consistent = fidelity.get("balance_consistency", 1.0) == 1.0
        manifest = run.manifest(
            outputs=("entities", "events", "model", "manifest", "validation"),
            input_source=table.source + (f" + context {context.source}" if context else ""),
            fingerprint=fingerprint,
            schema=schema.to_dict(values=False),
            rows=stages.rows_record(spec.entity_key, table.frame, train, holdout, sampled, entities, events),
            model=model_record(model, fitted.reused_from),
            privacy=verdict.to_dict(),
            validation=validation_record(input_check, output_check, run.docs),
            fidelity=fidelity,
        )
        run.write("entities", entities)
        run.write("events", events)
        run.write("manifest", manifest)
        run_dir = run.close(verdict.passed and consistent and (output_check is None or output_check.success))
    artifacts = publish_artifacts(manifest, run_dir)
    if verdict.passed and not consistent:
        raise GateFailed(f"synthetic balances are not consistent; nothing published, see {run_dir}")
    refuse_unpublished(verdict, output_check, suite, run_dir, "events")
    return RunResult(run_dir, manifest, run.timings, artifacts)
