"""What a child's model can be conditioned on: the parent values its training rows had.

A child model learned from the parents that real children had; a drawn parent may take a value
none of them had (a district without loans), and a model can only be conditioned on what it saw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPORT_LEVELS = 48  # as EncodingConfig.max_exact: numbers with at most this many values are kept exact


def seen_values(frame: pd.DataFrame, context_columns: list[str], categories: set[str]) -> dict[str, list]:
    """The values each context column took in training, where a child model only knows those:
    every category (``categories`` names numeric ones, keys into reference tables), and numbers
    or dates with few distinct values (datetimes as ns integers).
    Numbers with many values are binned by the table model, so any value is understood.
    """
    support = {}
    for c in context_columns:
        if c not in frame.columns:
            continue
        values = frame[c].dropna()
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.astype("datetime64[ns]").astype("int64")
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if not numeric or c in categories or values.nunique() <= SUPPORT_LEVELS:
            support[c] = sorted(values.unique().tolist(), key=None if numeric else str)
    return support


def within_support(
    conditions: pd.DataFrame, support: dict[str, list], rng: np.random.Generator
) -> pd.DataFrame:
    """A drawn parent's value that no real child's parent had is replaced: by the nearest seen
    value for numbers and dates, by a seen value drawn at random otherwise. A child model can
    only be conditioned on what it learned from.
    """
    out = conditions.copy()
    for column, seen in support.items():
        if column not in out.columns or not seen:
            continue
        values = out[column]
        dates = pd.api.types.is_datetime64_any_dtype(values)
        plain = values.astype("datetime64[ns]").astype("int64") if dates else values
        unseen = values.notna() & ~plain.isin(seen)
        if not unseen.any():
            continue
        if dates or (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
            grid = np.asarray(seen, dtype=float)
            x = plain[unseen].to_numpy(dtype=float)
            nearest = grid[np.abs(x[:, None] - grid[None, :]).argmin(axis=1)]
            replaced = pd.to_datetime(nearest.astype("int64")) if dates else nearest.astype(values.dtype)
            out.loc[unseen, column] = replaced
        else:
            out.loc[unseen, column] = rng.choice(np.asarray(seen, dtype=object), size=int(unseen.sum()))
    return out
