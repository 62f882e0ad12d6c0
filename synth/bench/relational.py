"""``synth bench relational``: our relational model beside SDV's HMASynthesizer on the same
database, one run: fit and sample seconds, peak memory, referential integrity, the
children-per-parent shape and the cross-table trends of every key, and per table the column
shapes, pair trends and detection score (``synth.relational.quality``).

Both models see every row (HMA, like ours, has no holdout split here: this bench measures
fidelity and cost; privacy is the gate's). HMA models the reference tables too (it has no
notion of them); ours copies them, so they are left out of the per-table scores of both.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.bench.memory import PeakMemory
from synth.relational.database import Database
from synth.relational.integrity import check_database, referential_integrity
from synth.relational.keys import Keys
from synth.relational.model import RelationalModel
from synth.relational.quality import cardinality_shapes, cross_table_trends, table_scores

RELATIONAL_MODELS = ("synth", "hma")


@dataclass
class RelationalBench:
    """Figures per model, and how they were obtained."""

    data: str
    rows: dict[str, int]
    results: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=machine_summary)

    def to_markdown(self) -> str:
        """A Markdown table: one row per figure, one column per model."""
        names = list(self.results)
        figures = list(dict.fromkeys(k for m in names for k in self.results[m]))
        tables = ", ".join(f"{t} {n:,}" for t, n in self.rows.items())
        lines = [f"## synth bench relational: {self.data}", "", f"{tables}; {self.machine['summary']}", "",
                 "| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]  # fmt: skip
        for figure in figures:
            cells = [f"{self.results[m].get(figure, float('nan')):.3f}" for m in names]
            lines.append(f"| {figure} | " + " | ".join(cells) + " |")
        lines += [f"\n{model}: {note}" for model, note in self.notes.items()]
        return "\n".join(lines) + "\n"


def run_relational_bench(
    database: Database, models: tuple[str, ...], epochs: int | None = None
) -> RelationalBench:
    """Fit, sample and score every model on ``database`` (its keys checked first)."""
    checked = check_database(database, "drop")
    real = checked.database
    bench = RelationalBench(real.source, {name: len(frame) for name, frame in real.tables.items()})
    for name in models:
        with PeakMemory() as peak:
            start = time.perf_counter()
            try:
                fitted = _fit(name, checked, epochs)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                drawn = fitted(1.0)
            except Exception as error:  # a peer that cannot run this schema: say so, measure the rest
                if name == "synth":
                    raise
                bench.notes[name] = f"could not run this schema: {type(error).__name__}: {str(error)[:200]}"
                continue
            sample_s = time.perf_counter() - start
        bench.results[name] = {"fit_s": fit_s, "sample_s": sample_s, "peak_gib": peak.gib,
                               **_scores(real.tables, drawn, real.keys)}  # fmt: skip
    return bench


def _fit(name: str, checked, epochs: int | None):
    """Fit ``name`` and return its sampler: scale -> tables."""
    if name == "synth":
        params = {"epochs": epochs} if epochs else {}
        model = RelationalModel("vae", params).fit(checked, parallel=True)
        return lambda scale: model.sample(scale, seed=0)
    return _fit_hma(checked.database.tables, checked.database.keys, epochs)


def _fit_hma(tables: dict[str, pd.DataFrame], keys: Keys, epochs: int | None):
    from sdv.metadata import Metadata
    from sdv.multi_table import HMASynthesizer

    metadata = Metadata.detect_from_dataframes(tables, infer_keys=None)
    for name, table_keys in keys.tables.items():
        columns = [table_keys.primary_key, *(fk.column for fk in table_keys.foreign_keys)]
        for column in filter(None, columns):
            metadata.update_column(column_name=column, sdtype="id", table_name=name)
        if table_keys.primary_key:
            metadata.set_primary_key(column_name=table_keys.primary_key, table_name=name)
    for name, table_keys in keys.tables.items():
        for fk in table_keys.foreign_keys:
            link = {"parent_primary_key": fk.parent_column, "child_foreign_key": fk.column}
            metadata.add_relationship(parent_table_name=fk.parent, child_table_name=name, **link)
    synthesizer = HMASynthesizer(metadata, verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthesizer.fit(tables)
    root = next(n for n in keys.parents_first() if not keys.tables[n].foreign_keys)
    return lambda scale: synthesizer.sample(num_rows=round(len(tables[root]) * scale), main_table_name=root)


def _scores(real: dict[str, pd.DataFrame], drawn: dict[str, pd.DataFrame], keys: Keys) -> dict[str, float]:
    integrity = referential_integrity(drawn, keys)
    shapes = cardinality_shapes(real, drawn, keys)
    cross = cross_table_trends(real, drawn, keys)
    scores = {"integrity_min": min(integrity.values()), "children_shape_min": min(shapes.values()),
              "children_shape_mean": float(np.mean(list(shapes.values())))}  # fmt: skip
    scores |= {f"cross-table trends: {key}": score for key, score in cross.items()}
    for name, figures in table_scores(real, drawn, keys).items():
        scores |= {f"{name}: {figure}": figures[figure] for figure in ("shapes", "trends", "detection")}
    return scores


def write_relational_bench(result: RelationalBench, out_dir: Path, suffix: str = "") -> tuple[Path, Path]:
    """``bench-relational<suffix>.md`` and ``.json`` in ``out_dir``."""
    return write_result(result, out_dir, f"bench-relational{suffix}")
