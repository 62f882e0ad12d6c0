"""Rare values: categorical levels seen in fewer than ``k`` training rows are never emitted
verbatim. They are replaced by a generic token or by the column's most frequent level.

Rarity is judged on each level's exact training count (:func:`level_counts`), which a table too
large to hold gets from its batches, summed (``synth.privacy.streamed``).
"""

from __future__ import annotations

import pandas as pd

from synth.schema import Kind, Schema

RARE_TOKEN = "<rare>"


def level_counts(train: pd.DataFrame, schema: Schema) -> dict[str, pd.Series]:
    """Per categorical column, each level's number of training rows."""
    return {
        c.name: train[c.name].value_counts(dropna=True) for c in schema.modelled if c.kind is Kind.CATEGORICAL
    }


def below(counts: dict[str, pd.Series], k: int) -> dict[str, set]:
    """Per column, the levels counted fewer than ``k`` times (columns without any left out)."""
    rare = {name: set(seen.index[(seen > 0) & (seen < k)]) for name, seen in counts.items()}
    return {name: levels for name, levels in rare.items() if levels}


def rare_levels(train: pd.DataFrame, schema: Schema, k: int) -> dict[str, set]:
    """Per categorical column, the levels seen in fewer than ``k`` training rows."""
    return below(level_counts(train, schema), k)


def replacements(counts: dict[str, pd.Series], mode: str) -> dict[str, object]:
    """What a rare level of each column becomes: ``<rare>`` (``mode="token"``), or the column's
    most frequent level (``mode="frequent"``: keeps its value set closed, e.g. for downstream
    validation), the first in sort order among equals.
    """
    if mode == "token":
        return {name: RARE_TOKEN for name in counts}
    return {
        name: sorted(seen.index[seen == seen.max()], key=lambda v: (type(v).__name__, v))[0]
        for name, seen in counts.items()
        if len(seen)
    }


def replace_rare(
    synthetic: pd.DataFrame, rare: dict[str, set], replacement: dict[str, object]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``synthetic`` with each of the ``rare`` levels replaced; the counts per column."""
    out = synthetic.copy()
    replaced = {}
    for name, levels in rare.items():
        hit = out[name].isin(levels)
        if hit.any():
            out[name] = out[name].astype(object).where(~hit, replacement[name])
            replaced[name] = int(hit.sum())
    return out, replaced


def suppress_rare(
    synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema, *, k: int = 5, mode: str = "token"
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace rare levels in ``synthetic`` (see :func:`replacements` for ``mode``); returns
    the new frame and counts per column.
    """
    counts = level_counts(train, schema)
    return replace_rare(synthetic, below(counts, k), replacements(counts, mode))


def count_rare(synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema, k: int) -> dict[str, int]:
    """How many synthetic values are training levels rarer than ``k`` (0 everywhere = pass)."""
    return count_levels(synthetic, rare_levels(train, schema, k))


def count_levels(synthetic: pd.DataFrame, rare: dict[str, set]) -> dict[str, int]:
    """How many values of ``synthetic`` are among the ``rare`` levels, per column (zeros left out)."""
    counts = {}
    for name, levels in rare.items():
        n = int(synthetic[name].isin(levels).sum())
        if n:
            counts[name] = n
    return counts
