"""How faithful a synthetic database is beyond its single tables.

- the shape of the children-per-parent distribution of every foreign key (SDMetrics'
  cardinality shape: one minus the Kolmogorov-Smirnov distance between the real and synthetic
  counts, 1 is identical);
- cross-table trends: how a parent's columns go with aggregates of its children (the Column Pair
  Trends score of ``synth.evaluation.fidelity`` on one row per parent, pairs across the two).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.relational.keys import Keys


def children_per_parent(tables: dict[str, pd.DataFrame], keys: Keys, child: str, column: str) -> np.ndarray:
    """How many ``child`` rows point at each parent row (zeros included)."""
    fk = next(fk for fk in keys.tables[child].foreign_keys if fk.column == column)
    parents = tables[fk.parent][fk.parent_column]
    counts = tables[child][column].value_counts()
    return parents.map(counts).fillna(0).to_numpy(dtype=float)


def cardinality_shapes(real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], keys: Keys) -> dict:
    """``child.column`` -> 1 - KS distance of the children-per-parent counts, for every foreign
    key into a table that is not kept as reference (a reference table's rows are not drawn).
    """
    from scipy.stats import ks_2samp

    out = {}
    for name, table_keys in keys.tables.items():
        for fk in table_keys.foreign_keys:
            if fk.parent in keys.reference:
                continue
            a = children_per_parent(real, keys, name, fk.column)
            b = children_per_parent(synthetic, keys, name, fk.column)
            out[f"{name}.{fk.column}"] = (
                1.0 - float(ks_2samp(a, b, method="asymp").statistic) if len(a) and len(b) else 0.0
            )
    return out


def numeric_columns(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Those of ``columns`` that hold numbers (not booleans): the ones a mean summarises."""
    return [
        c
        for c in columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def parent_summaries(
    tables: dict[str, pd.DataFrame], keys: Keys, child: str, column: str, attributes: list[str]
) -> pd.DataFrame:
    """One row per parent row of ``child.column``: the parent's ``attributes``, how many
    children point at it, and the mean of each numeric column of those children (``attributes``
    of the child are its non-key columns).
    """
    fk = next(fk for fk in keys.tables[child].foreign_keys if fk.column == column)
    parent, rows = tables[fk.parent], tables[child]
    own = {
        c for c in (keys.tables[child].primary_key, *(k.column for k in keys.tables[child].foreign_keys)) if c
    }
    numeric = [c for c in rows.columns if c not in own and pd.api.types.is_numeric_dtype(rows[c])
               and not pd.api.types.is_bool_dtype(rows[c])]  # fmt: skip
    grouped = rows.groupby(column)
    summary = parent[attributes].reset_index(drop=True)
    index = parent[fk.parent_column].to_numpy()
    summary[f"{child}: rows"] = grouped.size().reindex(index).fillna(0).to_numpy()
    means = grouped[numeric].mean().reindex(index)
    for c in numeric:
        summary[f"{child}: mean {c}"] = means[c].to_numpy()
    return summary


def cross_table_trends(
    real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], keys: Keys
) -> dict[str, float]:
    """Per foreign key between modelled tables (``child.column``): the mean Column Pair Trends
    score over pairs of a parent's column and an aggregate of its children (an account's
    district or frequency against its loans' count and mean amount), real against synthetic.
    Parents without children have no mean; those pairs are scored on the parents that have.
    """
    from synth.evaluation.fidelity import evaluate_fidelity
    from synth.schema import ColumnOverride, infer_schema

    out = {}
    for name, table_keys in keys.tables.items():
        for fk in table_keys.foreign_keys:
            if fk.parent in keys.reference or name in keys.reference:
                continue
            parent_keys = keys.tables[fk.parent]
            own = {parent_keys.primary_key, *(k.column for k in parent_keys.foreign_keys
                                             if k.parent not in keys.reference)}  # fmt: skip
            attributes = [c for c in real[fk.parent].columns if c not in own]
            a = parent_summaries(real, keys, name, fk.column, attributes)
            b = parent_summaries(synthetic, keys, name, fk.column, attributes)
            varied = [c for c in a.columns if a[c].nunique() > 1]  # one value: no trend to keep
            attributes = [c for c in attributes if c in varied]
            if a.empty or b.empty or not attributes or len(varied) == len(attributes):
                continue
            a, b = a[varied], b[varied]
            overrides = {c: ColumnOverride(pii="none") for c in a.columns}
            schema = infer_schema(a, table=f"{fk.parent} by {name}", overrides=overrides)
            scores = evaluate_fidelity(a, b, schema).trends_by_pair
            sides = {pair: [side in attributes for side in pair.split(" | ")] for pair in scores}
            cross = [score for pair, score in scores.items() if sides[pair][0] != sides[pair][1]]
            if cross:
                out[f"{name}.{fk.column}"] = float(np.mean(cross))
    return out


def table_scores(
    real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame], keys: Keys, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Per modelled table, on its modelled columns (less its own keys and identifiers, which are
    regenerated; a key into a reference table is a category and stays): column shapes, pair
    trends, the detection score and the rows per side the detection classifier saw. Tables with
    no such column, or no drawn row, are left out.
    """
    from synth.evaluation.detection import detection_rows, detection_score
    from synth.evaluation.fidelity import evaluate_fidelity
    from synth.schema import ColumnOverride, Kind, infer_schema

    out = {}
    for name, table_keys in keys.tables.items():
        if name in keys.reference or synthetic[name].empty:
            continue
        own = {table_keys.primary_key, *(fk.column for fk in table_keys.foreign_keys
                                         if fk.parent not in keys.reference)}  # fmt: skip
        lookups = {fk.column: ColumnOverride(kind=Kind.CATEGORICAL, pii="none")
                   for fk in table_keys.foreign_keys if fk.parent in keys.reference}  # fmt: skip
        kept = [c for c in real[name].columns if c not in own]
        schema = infer_schema(real[name][kept], table=name, overrides=lookups)
        columns = [c.name for c in schema.modelled]
        if not columns:
            continue
        a, b = real[name][columns], synthetic[name][columns]
        fidelity = evaluate_fidelity(a, b, schema)
        out[name] = {"shapes": fidelity.column_shapes, "trends": fidelity.pair_trends,
                     "detection": detection_score(a, b, columns, seed=seed),
                     "detection_rows": float(detection_rows(a, b))}  # fmt: skip
    return out
