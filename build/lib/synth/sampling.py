"""Whole-table sampling: the model's columns, fresh identifiers, and the input's dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.errors import JobError
from synth.models.base import Conditions, Progress, Synthesizer
from synth.schema import Column

KEY_BASE = 10**12  # synthetic integer keys start here, far from typical real key ranges


def fresh_keys(column: Column, n: int, rng: np.random.Generator) -> pd.Series:
    """Unique keys that share no value with any plausible real key.

    Integer keys are ``KEY_BASE + k`` for a random permutation ``k`` (real keys are never stored
    in a model, so freshness comes from the range); text keys are ``SYN-`` plus 12 digits.
    """
    codes = rng.permutation(n).astype(np.int64)
    if column.dtype.startswith(("int", "uint", "Int", "float")):
        return pd.Series(KEY_BASE + codes, name=column.name)
    return pd.Series([f"SYN-{c:012d}" for c in codes], name=column.name)


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
            from synth.privacy.identifiers import fake_values

            frame[column.name] = fake_values(column, n, rng)
    return schema.conform(frame)
