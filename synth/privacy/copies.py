"""Exact copies: synthetic rows identical to a real training row, after type normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Hash rows after normalising types (1 == 1.0, datetimes by instant, missing alike)."""
    normal = {}
    for name in columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            normal[name] = values.astype("int64").where(values.notna(), -1).astype(str)
        elif pd.api.types.is_bool_dtype(values):
            normal[name] = values.astype(object).astype(str)
        elif pd.api.types.is_numeric_dtype(values):
            x = pd.to_numeric(values, errors="coerce").astype(float)
            normal[name] = x.map(repr)
        else:
            normal[name] = values.astype(object).where(values.notna(), "<NA>").astype(str)
    return pd.util.hash_pandas_object(pd.DataFrame(normal), index=False).to_numpy()


def copy_mask(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str] | None = None) -> np.ndarray:
    """Boolean mask of synthetic rows equal to some training row on ``columns`` (default: all)."""
    columns = columns or [c for c in synthetic.columns if c in train.columns]
    return np.isin(_row_hashes(synthetic, columns), _row_hashes(train, columns))


def count_copies(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str] | None = None) -> int:
    """Number of synthetic rows identical to a training row."""
    return int(copy_mask(synthetic, train, columns).sum())


def unique_copy_mask(synthetic: pd.DataFrame, train: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Boolean mask of synthetic rows equal to a training row that no other training row
    equals on ``columns``: a copy that points at one real row. A row that several real rows
    share (a client known only by district) tells of none of them.
    """
    real, counts = np.unique(_row_hashes(train, columns), return_counts=True)
    return np.isin(_row_hashes(synthetic, columns), real[counts == 1])
