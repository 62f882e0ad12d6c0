"""``synth bench --sequential``: our sequence model beside SDV's PARSynthesizer, one split, one run.

Entities are split 80 % / 20 % (seed 0). Each model is fitted on the training entities' events
(PAR with its defaults: 128 epochs; context columns as PAR's context), samples as many entities
as were trained on, and is scored with :func:`synth.evaluation.sequential.sequence_fidelity`
against the training events, plus the DCR share of per-entity aggregate vectors against the
holdout entities (0.5 is ideal).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.evaluation.sequential import sequence_fidelity
from synth.events import EventView, TimeFormat, date_like_columns, entity_aggregates
from synth.models.base import Progress
from synth.models.sequence import SequenceModel
from synth.privacy.distance import dcr_figures, nearest_records
from synth.schema import ColumnOverride, Kind, infer_schema
from synth.split import split_entities


@dataclass
class SequenceBench:
    """Figures per model, and how they were obtained."""

    data: str
    entities: dict[str, int]
    events: int
    results: dict[str, dict[str, float]] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=machine_summary)

    def to_markdown(self) -> str:
        """A Markdown table: one row per figure, one column per model."""
        names = list(self.results)
        figures = [k for k in next(iter(self.results.values()))] if names else []
        lines = [
            f"## synth bench --sequential: {self.data}",
            "",
            f"{self.entities['train']} training / {self.entities['holdout']} holdout entities, "
            f"{self.events:,} events; {self.machine['summary']}",
            "",
            "| figure | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
        ]
        for figure in figures:
            cells = [f"{self.results[m].get(figure, float('nan')):.3f}" for m in names]
            lines.append(f"| {figure} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def sequence_models(models: str) -> tuple[str, ...]:
    """The models a ``--models`` option names; one clear error for an unknown one."""
    from synth.errors import JobError

    names = tuple(m.strip() for m in models.split(",") if m.strip())
    unknown = [m for m in names if m not in ("sequence", "par")]
    if unknown:
        raise JobError(f"--models: unknown sequential model '{unknown[0]}'; choose from sequence, par")
    return names


def run_sequence_bench(
    events: pd.DataFrame,
    context: pd.DataFrame | None,
    *,
    key: str,
    time_column: str,
    name: str,
    models: tuple[str, ...] = ("sequence", "par"),
    epochs: int | None = None,
    progress: Progress | None = None,
    seed: int = 0,
) -> SequenceBench:
    """Fit and score every model on the same entity split; ``seed`` is our model's (the split's
    stays 0, so seeds compare the model on the same accounts).
    """
    train, holdout = split_entities(events, key)
    schema = infer_schema(train, table=name, overrides={key: ColumnOverride(kind=Kind.ID)})
    params = {"seed": seed, **({"epochs": epochs} if epochs else {})}
    ours = SequenceModel(entity_key=key, time_column=time_column, **params)
    bench = SequenceBench(
        name, {"train": train[key].nunique(), "holdout": holdout[key].nunique()}, len(events)
    )
    started = time.perf_counter()
    ours.fit(train, schema, context=context, progress=progress)
    fit_seconds = time.perf_counter() - started
    booked, *_ = ours.prepare(train, schema, context)
    view = EventView.of(booked, ours)
    booked_holdout, *_ = ours.prepare(holdout, schema, context)
    n = bench.entities["train"]
    for model in models:
        if model == "sequence":
            started = time.perf_counter()
            _, synthetic = ours.sample_entities(n, seed=0)
            sample_seconds = time.perf_counter() - started
            seconds = fit_seconds
        else:
            synthetic, seconds, sample_seconds = _par(train, context, schema, view, n, epochs)
        figures = {"fit_seconds": seconds, "sample_seconds": sample_seconds}
        figures.update(sequence_fidelity(booked, synthetic, view))
        figures["aggregate_dcr_share"] = _aggregate_dcr(synthetic, booked, booked_holdout, view)
        bench.results[model] = figures
    return bench


def _aggregate_dcr(synthetic, train, holdout, view: EventView) -> float:
    real = entity_aggregates(train, view)
    kinds = [c.removeprefix("share ") for c in real.columns if c.startswith("share ")]
    tables = [entity_aggregates(e, view, kinds) for e in (synthetic, train, holdout)]
    return dcr_figures(nearest_records(*tables))["dcr_share"]


def _par(train, context, schema, view: EventView, n: int, epochs: int | None):
    """SDV PARSynthesizer with its defaults; returns events in the input's time format."""
    from sdv.metadata import Metadata
    from sdv.sequential import PARSynthesizer

    from synth.models.sdv import seeded

    key, time_column = view.key, view.time
    keep = [c.name for c in schema.modelled if c.name != time_column] + [key]
    table = train[keep].copy()
    table[time_column] = view.days(train)
    context_columns = []
    if context is not None:
        ctx = context[context[key].isin(table[key])].copy()
        for column, fmt in date_like_columns(ctx, {key}).items():
            ctx[column] = fmt.parse(ctx[column])
        ctx = ctx.rename(columns={c: f"context_{c}" for c in ctx.columns if c != key})
        context_columns = [c for c in ctx.columns if c != key]
        table = table.merge(ctx, on=key, how="left")
    table = table[[key, *[c for c in table.columns if c != key]]]
    columns: dict[str, dict[str, Any]] = {key: {"sdtype": "id"}}
    for column in table.columns:
        if column == key:
            continue
        values = table[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            columns[column] = {"sdtype": "datetime"}
        elif pd.api.types.is_numeric_dtype(values):
            columns[column] = {"sdtype": "numerical"}
        else:
            columns[column] = {"sdtype": "categorical"}
    metadata = Metadata.load_from_dict(
        {
            "METADATA_SPEC_VERSION": "V2",
            "tables": {"events": {"columns": columns, "sequence_key": key, "sequence_index": time_column}},
        }
    )
    params: dict[str, Any] = {"context_columns": context_columns, "cuda": False}
    if epochs:
        params["epochs"] = epochs
    synthesizer = PARSynthesizer(metadata, **params)
    with warnings.catch_warnings(), seeded(0):
        # raised by the GaussianCopula that PAR builds for its context columns, about its own order
        warnings.filterwarnings("ignore", "The metadata lists columns in a different order")
        started = time.perf_counter()
        synthesizer.fit({"events": table})
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        sampled = synthesizer.sample_sequences(n)
        sample_seconds = time.perf_counter() - started
    sampled = sampled["events"] if isinstance(sampled, dict) else sampled
    sampled = sampled.dropna(subset=[time_column]).sort_values([key, time_column], kind="stable")
    sampled[time_column] = TimeFormat(view.time_format).format_values(
        pd.to_datetime(sampled[time_column]), str(train[time_column].dtype)
    )
    return sampled.reset_index(drop=True), fit_seconds, sample_seconds


def write_sequence_bench(bench: SequenceBench, out_dir: Path) -> tuple[Path, Path]:
    """``bench-sequential-<data>.md`` and ``.json`` in ``out_dir``."""
    return write_result(bench, out_dir, f"bench-sequential-{bench.data}")
