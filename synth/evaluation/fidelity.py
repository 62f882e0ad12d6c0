"""Fidelity: how closely synthetic columns and column pairs follow the real ones.

``column_shapes`` follows SDMetrics (KSComplement for numeric and datetime columns,
TVComplement for categorical ones). ``pair_trends`` is our own definition over **all** pairs,
because SDMetrics' QualityReport averages only pairs whose real association exceeds 0.3 and bins
real and synthetic numeric columns separately (edges from each side's own min and max), so one
unreproduced outlier breaks every pair of that column. Here numeric columns are cut at the *real*
data's deciles for both tables; numeric-numeric pairs score 1 - |r_real - r_syn| / 2 (Pearson),
pairs with a categorical column score 1 - total variation distance of the joint distribution;
integer columns with at most 10 levels count as categorical.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from synth.schema import Kind, Schema

CATEGORICAL_MAX_INT_LEVELS = 10


@dataclass(frozen=True)
class Fidelity:
    """Averages and per-column / per-pair scores (aggregates only, no raw values)."""

    column_shapes: float
    pair_trends: float
    shapes_by_column: dict[str, float]
    trends_by_pair: dict[str, float]

    def to_dict(self) -> dict:
        """JSON-ready figures."""
        return {
            "column_shapes": self.column_shapes,
            "pair_trends": self.pair_trends,
            "shapes_by_column": self.shapes_by_column,
            "trends_by_pair": self.trends_by_pair,
        }


def labels(values: pd.Series, missing: str) -> pd.Series:
    """Values as text labels, missing ones as ``missing`` (no silent dtype downcasting).

    Numbers are labelled by value, so a model that returns 60.0 where the input had the integer
    60 matches it (integral values print without a decimal point).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = values.astype("float64")
        text = x.astype(str)
        integral = ((x == x.round()) & (x.abs() < 2**53)).to_numpy()
        text[integral] = x[integral].astype("int64").astype(str)
        return text.where(values.notna(), missing)
    return values.astype(object).where(values.notna(), missing).astype(str)


def is_continuous(real: pd.Series, schema: Schema, name: str) -> bool:
    """Whether a column is scored as a distribution (KS) rather than as categories (TV)."""
    kind = schema[name].kind
    if kind in (Kind.NUMERIC, Kind.DATETIME):
        return True
    if kind is Kind.INTEGER:
        return real.nunique(dropna=True) > CATEGORICAL_MAX_INT_LEVELS
    return False


def as_float(values: pd.Series) -> np.ndarray:
    """Numbers (datetimes as nanoseconds) as floats, missing ones as NaN."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("int64").to_numpy(dtype=float)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - the Kolmogorov-Smirnov statistic of the non-null values."""
    a, b = as_float(real), as_float(synthetic)
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    if len(a) == 0 or len(b) == 0:
        return float(len(a) == len(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(1 - np.max(np.abs(cdf_a - cdf_b)))


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - the total variation distance of the category frequencies (missing is a category)."""
    p = labels(real, "<NA>").astype(str).value_counts(normalize=True)
    q = labels(synthetic, "<NA>").astype(str).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return float(1 - 0.5 * np.abs(p - q).sum())


def _decile_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cut both columns at the real deciles; missing values get a bin of their own."""
    a, b = as_float(real), as_float(synthetic)
    edges = np.unique(np.nanquantile(a, np.linspace(0.1, 0.9, 9)))
    codes = []
    for x in (a, b):
        c = np.searchsorted(edges, x, side="right")
        codes.append(np.where(np.isnan(x), len(edges) + 1, c))
    return codes[0], codes[1]


def _category_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    a = labels(real, "<NA>").astype(str)
    b = labels(synthetic, "<NA>").astype(str)
    levels = pd.Index(pd.unique(pd.concat([a, b], ignore_index=True)))
    return levels.get_indexer(a), levels.get_indexer(b)


def _joint_tv(a1, a2, b1, b2) -> float:
    width = int(max(a2.max(), b2.max())) + 1
    ja = np.bincount(a1 * width + a2) / len(a1)
    jb = np.bincount(b1 * width + b2) / len(b1)
    size = max(len(ja), len(jb))
    ja, jb = np.pad(ja, (0, size - len(ja))), np.pad(jb, (0, size - len(jb)))
    return float(0.5 * np.abs(ja - jb).sum())


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def evaluate_fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> Fidelity:
    """Column Shapes and Column Pair Trends (all pairs) of the modelled columns."""
    names = [c.name for c in schema.modelled]
    continuous = {n: is_continuous(real[n], schema, n) for n in names}
    shapes = {}
    codes = {}
    for name in names:
        if continuous[name]:
            shapes[name] = ks_complement(real[name], synthetic[name])
            codes[name] = _decile_codes(real[name], synthetic[name])
        else:
            shapes[name] = tv_complement(real[name], synthetic[name])
            codes[name] = _category_codes(real[name], synthetic[name])
    trends = {}
    for left, right in combinations(names, 2):
        if continuous[left] and continuous[right]:
            r_real = _pearson(as_float(real[left]), as_float(real[right]))
            r_syn = _pearson(as_float(synthetic[left]), as_float(synthetic[right]))
            score = 1 - abs(r_real - r_syn) / 2
        else:
            (a1, b1), (a2, b2) = codes[left], codes[right]
            score = 1 - _joint_tv(a1, a2, b1, b2)
        trends[f"{left} | {right}"] = float(score)
    return Fidelity(
        column_shapes=float(np.mean(list(shapes.values()))),
        pair_trends=float(np.mean(list(trends.values()))) if trends else 1.0,
        shapes_by_column=shapes,
        trends_by_pair=trends,
    )


def sdmetrics_quality(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> dict:
    """SDMetrics' own QualityReport figures, reported beside ours (see module docstring)."""
    from sdmetrics.reports import QualityReport

    from synth.models.sdv import sdv_metadata

    names = [c.name for c in schema.modelled]
    metadata = sdv_metadata(schema).to_dict()
    report = QualityReport()
    table = schema.table
    report.generate({table: real[names]}, {table: synthetic[names]}, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return {
        "column_shapes": float(properties.get("Column Shapes", np.nan)),
        "pair_trends": float(properties.get("Column Pair Trends", np.nan)),
        "overall": float(report.get_score()),
    }
