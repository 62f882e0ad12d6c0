"""The stages of an entity-with-events job (accounts and their transactions), beside the table
stages of ``synth.pipeline.stages``: read the events and their context, infer the events' schema
with the entity key as an identifier, fit (or reuse) the sequence model, draw entities, gate
whole histories.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from synth import io, models
from synth.errors import JobError
from synth.events import EventView
from synth.jobs import Job
from synth.pipeline.stages import Fitted, reuse_model
from synth.privacy.sequences import sequence_gate
from synth.progress import Progress
from synth.schema import ColumnOverride, Kind, Schema, infer_schema


def read_tables(job: Job) -> tuple[io.Table, io.Table | None]:
    """The events and, when the job names one, the context table."""
    context = job.sequential.context
    return io.read(job.input.source()), (io.read(context.source()) if context else None)


def fingerprint(events: io.Table, context: io.Table | None) -> str:
    """One fingerprint of both inputs: a change in either retrains."""
    if context is None:
        return events.fingerprint
    return hashlib.sha256(f"{events.fingerprint}:{context.fingerprint}".encode()).hexdigest()


def infer_events(table: io.Table, job: Job) -> Schema:
    """The events' schema: the entity key is an identifier, plus the job's overrides."""
    key = job.sequential.entity_key
    if key not in table.frame.columns:
        raise JobError(f"{table.source}: entity key column '{key}' is not in the input")
    overrides = {key: ColumnOverride(kind=Kind.ID), **job.schema_.overrides()}
    return infer_schema(
        table.frame, table=table.name, overrides=overrides, drop=job.schema_.drop, source=table.source
    )


def fit_entities(
    train, context, schema: Schema, job: Job, model_dir: Path, fingerprint: str, progress: Progress | None
) -> Fitted:
    """Fit (or reuse) the job's entity model on the training entities and save it."""
    reused = reuse_model(job, schema, fingerprint, model_dir)
    if reused is not None:
        return reused
    spec = job.sequential
    params = {"seed": job.seed, **job.model.params}
    params.update(entity_key=spec.entity_key, time_column=spec.time_column)
    model = models.build(job.model.name, **params)
    model.fit(train, schema, context=context, progress=progress)
    models.save(model, model_dir)
    return Fitted(model)


def sample_entities(model, n: int, job: Job, progress: Progress | None):
    """Draw ``n`` entities and their events."""
    return model.sample_entities(n, seed=job.seed, progress=progress)


def gate_histories(entities, events, train, holdout, view: EventView, schema: Schema, job: Job):
    """Copies of histories removed; distances of per-entity aggregates; identifiers; rare values."""
    return sequence_gate(entities, events, train, holdout, view, schema, job.privacy, seed=job.seed)


def rows_record(key: str, events, train, holdout, sampled: dict, entities, synthetic) -> dict[str, int]:
    """The manifest's ``rows`` entry of an entity job: events read, entities per side, drawn, kept."""
    return {
        "input_events": len(events),
        "train_entities": int(train[key].nunique()),
        "holdout_entities": int(holdout[key].nunique()),
        **sampled,
        "synthetic_entities": len(entities),
        "synthetic_events": len(synthetic),
    }
