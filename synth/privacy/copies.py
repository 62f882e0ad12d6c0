"""Exact copies: synthetic rows identical to a real training row, after type normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row of ``columns``, after normalising types (1 == 1.0, datetimes by
    instant, missing alike): rows with equal hashes are copies. A table too large to hold is
    remembered by these, 8 bytes a row.
    """
    normal = {}
    for name in columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            normal[name] = values.astype("int64").where(values.notna(), -1).astype(str)
        elif pd.api.types.is_bool_dtype(values):
            normal[name] = values.astype(object).astype(str)
        elif pd.api.types.is_numeric_dtype(values):
            normal[name] = _canonical_floats(values)
        else:
            normal[name] = values.astype(object).where(values.notna(), "<NA>").astype(str)
    return pd.util.hash_pandas_object(pd.DataFrame(normal), index=False).to_numpy()


def _canonical_floats(values: pd.Series) -> np.ndarray:
    """Numbers as float64 whose bits are equal when the values are: one NaN, no negative zero
    (the hash reads the bits; ``repr`` per value did the same one Python call at a time).
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan) + 0.0
    x[np.isnan(x)] = np.nan
    return x


def copy_mask(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str] | None = None) -> np.ndarray:
    """Boolean mask of synthetic rows equal to some training row on ``columns`` (default: all)."""
    columns = columns or [c for c in synthetic.columns if c in train.columns]
    return np.isin(row_hashes(synthetic, columns), row_hashes(train, columns))


def count_copies(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str] | None = None) -> int:
    """Number of synthetic rows identical to a training row."""
    return int(copy_mask(synthetic, train, columns).sum())


def unique_copy_mask(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Boolean mask of synthetic rows equal to a training row that no other training row
    equals on ``columns``: a copy that points at one real row. A row that several real rows
    share (a client known only by district) tells of none of them.
    """
    real, counts = np.unique(row_hashes(train, columns), return_counts=True)
    return np.isin(row_hashes(synthetic, columns), real[counts == 1])
