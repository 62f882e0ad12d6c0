"""Rare values: categorical levels seen in fewer than ``k`` training rows are never emitted
verbatim. They are replaced by a generic token or by the column's most frequent level.
"""

from __future__ import annotations

import pandas as pd

from synth.schema import Kind, Schema

RARE_TOKEN = "<rare>"


def rare_levels(train: pd.DataFrame, schema: Schema, k: int) -> dict[str, set]:
    """Per categorical column, the levels seen in fewer than ``k`` training rows."""
    rare = {}
    for column in schema.modelled:
        if column.kind is not Kind.CATEGORICAL:
            continue
        counts = train[column.name].value_counts(dropna=True)
        levels = set(counts.index[counts < k])
        if levels:
            rare[column.name] = levels
    return rare


def suppress_rare(
    synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema, *, k: int = 5, mode: str = "token"
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace rare levels in ``synthetic``; returns the new frame and counts per column.

    ``mode="token"`` writes ``<rare>``; ``mode="frequent"`` writes the most frequent training
    level (keeps the column's value set closed, e.g. for downstream validation).
    """
    out = synthetic.copy()
    replaced = {}
    for name, levels in rare_levels(train, schema, k).items():
        hit = out[name].isin(levels)
        if hit.any():
            value = RARE_TOKEN if mode == "token" else train[name].mode(dropna=True).iloc[0]
            out[name] = out[name].astype(object).where(~hit, value)
            replaced[name] = int(hit.sum())
    return out, replaced


def count_rare(synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema, k: int) -> dict[str, int]:
    """How many synthetic values are training levels rarer than ``k`` (0 everywhere = pass)."""
    counts = {}
    for name, levels in rare_levels(train, schema, k).items():
        n = int(synthetic[name].isin(levels).sum())
        if n:
            counts[name] = n
    return counts
