"""``synth bench stream``: a table larger than we would hold in memory, fitted from Parquet in
record batches for one epoch and sampled to as many rows in chunks through the streamed privacy
gate (``synth.privacy.streamed``), with the peak memory.

The dataset is Adult's rows repeated with jitter (numbers with many values moved by 1 % of
their spread, kept whole and within their range), written by the bench in chunks, in a process
of its own, and never checked in. Fit and sample run in this process, so the peak resident
memory that :class:`~synth.bench.memory.PeakMemory` reports is theirs (with the interpreter and
libraries, and the pages of the memory-mapped tokens that training touched).
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.bench.memory import PeakMemory
from synth.datasets import load_dataset
from synth.progress import Progress

WRITE_CHUNK = 1_000_000
ROW_GROUP = 131_072  # rows per Parquet row group: a reader holds one at a time
QUALITY_ROWS = 100_000


@dataclass
class StreamBench:
    """Figures of one streamed run, and how they were obtained."""

    rows: int
    precision: str
    workers: int = 1
    figures: dict[str, float] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=machine_summary)

    def to_markdown(self) -> str:
        """A Markdown table of the figures."""
        lines = [f"## synth bench stream: {self.rows:,} rows", "",
                 f"precision {self.precision}; drawn by {self.workers} process(es)", "",
                 self.machine["summary"], "",
                 "| figure | value |", "|---|---|"]  # fmt: skip
        lines += [f"| {name} | {value:,.3f} |" for name, value in self.figures.items()]
        return "\n".join(lines) + "\n"


def jittered(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with every number column of many values moved by 1 % of its spread."""
    out = frame.copy()
    for name in frame.columns:
        values = frame[name]
        if not pd.api.types.is_numeric_dtype(values) or values.nunique() <= 48:
            continue
        moved = values + rng.normal(0.0, 0.01 * float(values.std()), len(values))
        moved = moved.clip(values.min(), values.max())
        out[name] = moved.round().astype(values.dtype) if pd.api.types.is_integer_dtype(values) else moved
    return out


def make_dataset(rows: int, path: Path, seed: int = 0) -> Path:
    """Adult repeated with jitter to ``rows`` rows, written as one Parquet file in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = load_dataset("adult").frame
    rng = np.random.default_rng(seed)
    staging = path.with_name(f".{path.name}.partial")
    writer = None
    for start in range(0, rows, WRITE_CHUNK):
        size = min(WRITE_CHUNK, rows - start)
        chunk = jittered(base.iloc[np.arange(start, start + size) % len(base)].reset_index(drop=True), rng)
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(str(staging), table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    writer.close()
    staging.replace(path)
    return path


def run_stream_bench(
    rows: int,
    folder: Path,
    precision: str = "auto",
    seed: int = 0,
    workers: int = 1,
    progress: Progress | None = None,
) -> StreamBench:
    """Write the dataset, fit one epoch from it, sample ``rows`` rows to Parquet (on ``workers``
    Dask worker processes when more than one); time and peak memory of every process.
    """
    from synth.evaluation.fidelity import evaluate_fidelity
    from synth.models.vae import VAEModel
    from synth.models.vae.streamed import fit_streamed
    from synth.privacy.streamed import StreamedGate
    from synth.rules.check import violations

    folder.mkdir(parents=True, exist_ok=True)
    bench = StreamBench(rows, precision, workers)
    start = time.perf_counter()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as writer:  # its memory is not ours
        data = writer.submit(make_dataset, rows, folder / f"stream-{rows}.parquet", seed).result()
    bench.figures["write dataset s (another process)"] = time.perf_counter() - start
    bench.figures["dataset GiB on disk"] = data.stat().st_size / 2**30
    model = VAEModel(epochs=1, precision=precision, seed=seed)
    with PeakMemory() as peak:
        start = time.perf_counter()
        evidence = fit_streamed(model, data, progress=progress)
        bench.figures["fit s (two passes, one epoch)"] = time.perf_counter() - start
        gate = StreamedGate(evidence, rows, seed=seed)
        start = time.perf_counter()
        out, repairs = folder / f"stream-{rows}-synthetic.parquet", {}
        synthetic = _gated_draw(model, rows, out, seed, workers, gate, progress, repairs)
        bench.figures["sample s (privacy gate included)"] = time.perf_counter() - start
    bench.figures["sampled rows/s"] = rows / bench.figures["sample s (privacy gate included)"]
    bench.figures["peak RSS GiB (fit and sample)"] = peak.gib
    history = model.history
    bench.figures["training steps"] = float(history["steps_per_epoch"] * history["epochs_run"])
    bench.figures["held out for the gate"] = float(len(evidence.holdout))
    result = gate.result()
    bench.figures["privacy gate passed"] = float(result.passed)
    bench.figures["copies removed"] = float(result.copies_removed)
    for name in ("dcr_share", "membership_auc"):
        bench.figures[f"{name} (gate)"] = result.figures[name]
    bench.figures["rules mined on the sample"] = float(len(evidence.schema.rules))
    bench.figures["rows repaired (row-rule pairs)"] = float(sum(repairs.values()))
    if synthetic is not None:
        real, drawn = _head(data, QUALITY_ROWS), _head(synthetic, QUALITY_ROWS)
        broken = sum(violations(drawn, evidence.schema.rules).values())
        bench.figures["rule violations (first 100,000 rows)"] = float(broken)
        fidelity = evaluate_fidelity(real, drawn, evidence.schema)
        bench.figures["shapes (first 100,000 rows of each)"] = fidelity.column_shapes
        bench.figures["trends (first 100,000 rows of each)"] = fidelity.pair_trends
    return bench


def _gated_draw(model, rows: int, out: Path, seed: int, workers: int, gate, progress, repairs) -> Path | None:
    """The gated draw's file, or None if the gate refused it (the bench reports its checks)."""
    from synth.errors import GateFailed
    from synth.models.vae.streamed import sample_to_parquet

    try:
        return sample_to_parquet(
            model, rows, out, seed=seed, workers=workers, gate=gate, progress=progress, repairs=repairs
        )
    except GateFailed:
        return None


def _head(path: Path, rows: int) -> pd.DataFrame:
    import pyarrow.dataset as ds

    return ds.dataset(str(path), format="parquet").head(rows).to_pandas()


def write_stream_bench(result: StreamBench, out_dir: Path) -> tuple[Path, Path]:
    """``bench-stream.md`` and ``.json`` in ``out_dir``."""
    return write_result(result, out_dir, "bench-stream")
