"""``synth bench --privacy``: what the privacy gate costs at production scale.

The real table is grown (or cut) to ``real_rows`` and split 80 % / 20 %; a Gaussian copula
fitted on the training part samples ``synthetic_rows`` rows. Then the bench times the gate's
distance scan (:func:`synth.privacy.distance.nearest_records`) on its own, and the whole gate
(copies, rare values, DCR, NNDR, membership inference, the three anonymeter attacks, identifiers)
with its default thresholds. The generator only supplies rows of the right shape: the figures
are about cost, and the verdicts are reported for completeness, not as a quality claim.

Growing a table past its size resamples rows with replacement and jitters every numeric column
by 5 % of its standard deviation (integers rounded), so the grown rows are not duplicates of
each other and the nearest-neighbour search does real work.
"""

from __future__ import annotations

import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.datasets import Dataset
from synth.models import build
from synth.privacy.distance import nearest_records
from synth.privacy.gate import gate
from synth.schema import infer_schema
from synth.split import split


@dataclass
class PrivacyBench:
    """Sizes, timings and the gate's verdicts of one run."""

    data: str
    synthetic_rows: int
    train_rows: int
    holdout_rows: int
    reference_rows: int
    training_partitions: int
    timings: dict[str, float]
    peak_rss_gib: float
    checks: list[dict[str, Any]]
    machine: dict[str, Any] = field(default_factory=machine_summary)

    def to_markdown(self) -> str:
        """The bench as a short Markdown page."""
        lines = [
            f"## synth bench --privacy: {self.data}",
            "",
            f"{self.synthetic_rows:,} synthetic rows x {self.train_rows + self.holdout_rows:,} real rows "
            f"({self.train_rows:,} train / {self.holdout_rows:,} holdout); the distance scan compares "
            f"every synthetic row with {self.training_partitions} training partitions and a holdout "
            f"sample of {self.reference_rows:,} rows each. Machine: {self.machine['summary']}.",
            "",
            "| stage | seconds |",
            "|---|---|",
            *[f"| {name} | {seconds:.1f} |" for name, seconds in self.timings.items()],
            "",
            f"Peak RSS of the bench process: {self.peak_rss_gib:.2f} GiB.",
            "",
            "| check | figure | threshold | verdict |",
            "|---|---|---|---|",
            *[
                f"| {c['name']} | {c['figure']:.4f} | {c['rule']} {c['threshold']:g} | "
                f"{'pass' if c['passed'] else 'FAIL'} |"
                for c in self.checks
            ],
        ]
        return "\n".join(lines) + "\n"


def grow(frame: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` rows drawn from ``frame``: a subsample, or a jittered resample past its size."""
    rng = np.random.default_rng(seed)
    if rows <= len(frame):
        return frame.iloc[rng.choice(len(frame), rows, replace=False)].reset_index(drop=True)
    out = frame.iloc[rng.integers(0, len(frame), rows)].reset_index(drop=True)
    for name in out.columns:
        values = out[name]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        noisy = values + rng.normal(0, 0.05 * (values.std() or 1.0), rows)
        out[name] = noisy.round().astype(values.dtype) if pd.api.types.is_integer_dtype(values) else noisy
    return out


def run_privacy_bench(
    dataset: Dataset, *, synthetic_rows: int = 1_000_000, real_rows: int = 100_000, seed: int = 0
) -> PrivacyBench:
    """Time the distance scan and the whole default gate on one grown table."""
    real = grow(dataset.frame, real_rows, seed=seed)
    train, holdout = split(real, holdout=0.2, seed=seed)
    schema = infer_schema(train, table=dataset.name)
    timings = {}
    started = time.perf_counter()
    generator = build("gaussian_copula", seed=seed)
    generator.fit(train, schema)
    synthetic = generator.sample(synthetic_rows, seed=seed + 1)
    timings["generate (Gaussian copula, not part of the gate)"] = time.perf_counter() - started
    modelled = [c.name for c in schema.modelled]
    started = time.perf_counter()
    records = nearest_records(synthetic, train, holdout, columns=modelled, seed=seed)
    timings["distance scan alone (nearest_records)"] = time.perf_counter() - started
    started = time.perf_counter()
    _, result = gate(synthetic, train, holdout, schema, seed=seed)
    timings["whole gate, default checks"] = time.perf_counter() - started
    return PrivacyBench(
        data=dataset.name,
        synthetic_rows=synthetic_rows,
        train_rows=len(train),
        holdout_rows=len(holdout),
        reference_rows=records.size,
        training_partitions=records.synthetic_to_partitions.shape[1],
        timings=timings,
        peak_rss_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        checks=[asdict(c) for c in result.checks],
    )


def write_privacy_bench(bench: PrivacyBench, out_dir: Path) -> tuple[Path, Path]:
    """``bench-privacy-<data>.md`` and ``.json`` in ``out_dir``."""
    return write_result(bench, out_dir, f"bench-privacy-{bench.data}")
