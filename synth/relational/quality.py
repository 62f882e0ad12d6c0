"""How faithful a synthetic database is beyond its single tables: the shape of the
children-per-parent distribution of every foreign key (SDMetrics' cardinality shape: one minus
the Kolmogorov-Smirnov distance between the real and synthetic counts, 1 is identical).
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
