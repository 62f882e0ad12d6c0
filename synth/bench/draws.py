"""Figures over many drawn rows that a bench adds to each model's scores: copies of training
rows and a DCR share with its standard error over a million fresh rows, and the speed of
conditional against unconditional sampling.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synth.privacy.copies import count_copies
from synth.privacy.distance import nearest_records


@dataclass(frozen=True)
class MoreRows:
    """Figures over many fresh rows: copies of training rows, and a DCR share with its standard
    error (each row's share over the training partitions is one observation).
    """

    copies: int
    dcr_share: float
    dcr_share_se: float


def score_more_rows(
    model,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    columns: list[str],
    rows: int,
    *,
    seed: int,
    reference_seed: int = 0,
    chunk: int = 200_000,
) -> MoreRows:
    """Copies and DCR share over ``rows`` fresh synthetic rows, drawn in chunks (each with its
    own seed from ``seed`` on) so memory stays bounded by the chunk. The DCR share is scored
    against the draws' training partitions and holdout sample (``nearest_records`` with
    ``reference_seed``).
    """
    copies, count, total, total_sq = 0, 0, 0.0, 0.0
    for i, start in enumerate(range(0, rows, chunk)):
        synthetic = model.sample(min(chunk, rows - start), seed=seed + i)
        copies += count_copies(synthetic, train, columns)
        records = nearest_records(synthetic, train[columns], holdout[columns], seed=reference_seed)
        per_row = records.closer_to_train
        count, total, total_sq = count + len(per_row), total + per_row.sum(), total_sq + (per_row**2).sum()
    mean = total / count
    se = float(np.sqrt(max(total_sq / count - mean**2, 0.0) / max(count - 1, 1)))
    return MoreRows(copies, float(mean), se)


def conditional_speed(
    model, train: pd.DataFrame, schema, *, seed: int = 0, rows: int = 10_000
) -> dict[str, Any]:
    """Sampling rows/s, unconditional vs fixed to the categorical level nearest 1 % prevalence."""
    best = None
    for column in schema.modelled:
        if column.kind.value != "categorical":
            continue
        shares = train[column.name].value_counts(normalize=True)
        for level, share in shares.items():
            if best is None or abs(share - 0.01) < abs(best[2] - 0.01):
                best = (column.name, level, float(share))
    if best is None:
        return {}
    column, level, share = best
    started = time.perf_counter()
    model.sample(1, {column: level}, seed=seed)  # the first conditional draw fits the latent proposal
    first = time.perf_counter() - started
    timings = {}
    for label, conditions in (("unconditional", None), ("conditional", {column: level})):
        started = time.perf_counter()
        out = model.sample(rows, conditions, seed=seed)
        timings[label] = rows / (time.perf_counter() - started)
        if conditions and not (out[column] == level).all():
            raise RuntimeError(f"conditional sampling returned rows outside {column}={level!r}")
    return {
        "column": column,
        "prevalence": share,
        "rows": rows,
        "unconditional_rows_per_second": timings["unconditional"],
        "conditional_rows_per_second": timings["conditional"],
        "slowdown": timings["unconditional"] / timings["conditional"],
        "first_conditional_seconds": first,
    }
