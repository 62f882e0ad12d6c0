"""Whole-table sampling: the model's columns, fresh identifiers, and the input's dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.errors import JobError
from synth.keys import fake_values, fresh_keys
from synth.models.base import Conditions, Progress, Synthesizer


def sample_table(
    model: Synthesizer,
    n: int,
    *,
    seed: int = 0,
    conditions: Conditions | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Draw ``n`` whole rows: modelled columns from ``model``, identifiers regenerated."""
    if n < 1:
        raise JobError(f"the number of rows must be positive, got {n}")
    schema = model.schema
    frame = model.sample(n, conditions, seed=seed, progress=progress)
    rng = np.random.default_rng([seed, 1])
    for column in schema.columns:
        if column.modelled:
            continue
        if column.pii in (None, "key"):
            frame[column.name] = fresh_keys(column, n, rng)
        else:
            frame[column.name] = fake_values(column, n, rng)
    return schema.conform(frame)
