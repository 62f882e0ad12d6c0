"""Everything the report shows, as aggregates: histograms, level frequencies, association
matrices and distance histograms. No row of real data is kept, so ``report.json`` can live in
the run folder and ``synth report`` can re-render it anywhere.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from synth.evaluation.fidelity import as_float, is_continuous, labels
from synth.privacy.distance import RowEmbedding, nearest_distances
from synth.schema import Schema

TOP_LEVELS = 15
BINS = 30


def column_distributions(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, min_count: int = 5
) -> list[dict[str, Any]]:
    """Per modelled column: shared-edge histograms (numeric) or level shares (categorical).

    Levels seen in fewer than ``min_count`` real rows are pooled as ``(rare)``, so no rare
    real value is named in the report.
    """
    out = []
    for column in schema.modelled:
        a, b = real[column.name], synthetic[column.name]
        if is_continuous(a, schema, column.name):
            x, y = as_float(a), as_float(b)
            x, y = x[~np.isnan(x)], y[~np.isnan(y)]
            datetime = column.kind.value == "datetime"
            masses = [] if datetime else point_masses(x, min_count)
            out.append({"name": column.name, "type": "numeric", "datetime": datetime,
                        **_histograms(x, y, masses)})  # fmt: skip
        else:
            counts = labels(a, "(missing)").astype(str).value_counts()
            levels = [lvl for lvl, n in counts.items() if n >= min_count][:TOP_LEVELS]
            syn = labels(b, "(missing)").astype(str)
            real_s = counts / counts.sum()
            syn_s = syn.value_counts(normalize=True)
            out.append(
                {
                    "name": column.name,
                    "type": "categorical",
                    "levels": levels + ["(other)"],
                    "real": [float(real_s.get(lvl, 0)) for lvl in levels] + [float(1 - real_s[levels].sum())],
                    "synthetic": [float(syn_s.get(lvl, 0)) for lvl in levels]
                    + [float(1 - syn_s.reindex(levels).fillna(0).sum())],
                }
            )
    return out


MASS_SHARE = 0.05
MAX_MASSES = 3


def point_masses(x: np.ndarray, min_count: int = 5) -> list[float]:
    """Values that at least ``MASS_SHARE`` of the real rows (and ``min_count`` of them) share
    exactly, the largest first: zero-inflated columns such as capital-gain show their spike
    apart from the continuous part instead of as one bar that hides it.
    """
    if not len(x):
        return []
    values, counts = np.unique(x, return_counts=True)
    keep = (counts >= max(min_count, MASS_SHARE * len(x))) & (counts < len(x))
    order = np.argsort(-counts[keep], kind="stable")[:MAX_MASSES]
    return [float(v) for v in values[keep][order]]


def _histograms(x: np.ndarray, y: np.ndarray, masses: list[float]) -> dict[str, Any]:
    """Shares of all rows: each point mass, then shared-edge histograms of the rest."""
    x_at = np.isin(x, masses)
    y_at = np.isin(y, masses)
    rest_x, rest_y = x[~x_at], y[~y_at]
    lo, hi = np.quantile(rest_x, [0.005, 0.995]) if len(rest_x) else (0.0, 1.0)
    edges = np.linspace(lo, hi if hi > lo else lo + 1, BINS + 1)
    n_x, n_y = max(len(x), 1), max(len(y), 1)
    return {
        "masses": [
            {"value": v, "real": float((x == v).sum() / n_x), "synthetic": float((y == v).sum() / n_y)}
            for v in masses
        ],  # fmt: skip
        "edges": edges.tolist(),
        "real": (np.histogram(np.clip(rest_x, lo, hi), edges)[0] / n_x).tolist(),
        "synthetic": (np.histogram(np.clip(rest_y, lo, hi), edges)[0] / n_y).tolist(),
    }


def association_matrix(frame: pd.DataFrame, reference: pd.DataFrame, schema: Schema) -> dict:
    """|Pearson r| for numeric pairs, Cramér's V (on the reference's deciles) otherwise."""
    names = [c.name for c in schema.modelled]
    codes = {}
    for name in names:
        if is_continuous(reference[name], schema, name):
            edges = np.unique(np.nanquantile(as_float(reference[name]), np.linspace(0.1, 0.9, 9)))
            x = as_float(frame[name])
            codes[name] = np.where(np.isnan(x), -1, np.searchsorted(edges, x, side="right"))
        else:
            codes[name] = pd.factorize(labels(frame[name], "(missing)").astype(str))[0]
    matrix = np.eye(len(names))
    for (i, a), (j, b) in combinations(enumerate(names), 2):
        if is_continuous(reference[a], schema, a) and is_continuous(reference[b], schema, b):
            x, y = as_float(frame[a]), as_float(frame[b])
            keep = ~(np.isnan(x) | np.isnan(y))
            value = abs(np.corrcoef(x[keep], y[keep])[0, 1]) if keep.sum() > 2 else 0.0
        else:
            value = _cramers_v(codes[a], codes[b])
        matrix[i, j] = matrix[j, i] = 0.0 if np.isnan(value) else value
    return {"names": names, "values": matrix.round(4).tolist()}


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two integer codings (-1 allowed), over the levels either one shows."""
    a, b = a - a.min(), b - b.min()
    rows, cols = a.max() + 1, b.max() + 1
    table = np.bincount(a * cols + b, minlength=rows * cols).reshape(rows, cols).astype(float)
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    if min(table.shape) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / table.sum() / (min(table.shape) - 1)))


def dcr_histogram(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: Schema
) -> dict[str, Any]:
    """Histograms of distance to the closest training row: synthetic rows vs holdout rows."""
    names = [c.name for c in schema.modelled]
    embedding = RowEmbedding.fit(train, names)
    train_x = embedding.transform(train)
    rng = np.random.default_rng(0)
    syn = synthetic.iloc[rng.choice(len(synthetic), min(len(synthetic), 20_000), replace=False)]
    # float64: a float32 distance clipped to a float64 bound can round past the last edge
    d_syn = nearest_distances(embedding.transform(syn), train_x)[:, 0].astype(np.float64)
    d_hold = nearest_distances(embedding.transform(holdout), train_x)[:, 0].astype(np.float64)
    hi = float(np.quantile(np.r_[d_syn, d_hold], 0.99)) or 1.0
    edges = np.linspace(0, hi, BINS + 1)
    return {
        "edges": edges.tolist(),
        "synthetic": (np.histogram(np.clip(d_syn, 0, hi), edges)[0] / len(d_syn)).tolist(),
        "holdout": (np.histogram(np.clip(d_hold, 0, hi), edges)[0] / len(d_hold)).tolist(),
    }


def build_report_data(
    train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema
) -> dict[str, Any]:
    """All plots' aggregates for one run."""
    return {
        "columns": column_distributions(train, synthetic, schema),
        "association": {
            "real": association_matrix(train, train, schema),
            "synthetic": association_matrix(synthetic, train, schema),
        },
        "dcr": dcr_histogram(synthetic, train, holdout, schema),
    }
