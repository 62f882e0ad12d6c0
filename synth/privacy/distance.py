"""Scalable nearest-record distances over mixed-type rows (our own: SDMetrics' DCR builds the
full distance matrix and runs out of memory near 30,000 rows).

The distance between two rows is Euclidean over a row embedding in which every numeric column
is range-scaled to [0, 1] with the *real* table's min and max (clipped), and every categorical
column is one-hot scaled by 1/sqrt(2), so a category mismatch adds exactly 1 to the squared
distance, like a numeric difference of one full range. A missing value is its own category for
categorical columns; for numeric ones it is an extra 0/1 indicator (scaled the same way) and
the value is imputed at the median. Distances are computed in row chunks with the identity
|a-b|^2 = |a|^2 + |b|^2 - 2ab on float32 matrix products, so memory stays bounded by
``chunk x reference`` and the cost is a few GEMMs: 1 million x 100,000 rows run in minutes on
two cores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

MAX_ONE_HOT = 64  # rarer levels of a high-cardinality column share one slot


@dataclass
class RowEmbedding:
    """A fitted mixed-type row embedding (fit on the real training rows)."""

    numeric: dict[str, tuple[float, float, float]]  # name -> (min, max, median)
    categorical: dict[str, list[str]]

    @classmethod
    def fit(cls, real: pd.DataFrame, columns: list[str] | None = None) -> RowEmbedding:
        """Learn ranges and category lists from the real rows."""
        numeric, categorical = {}, {}
        for name in columns or list(real.columns):
            values = real[name]
            if pd.api.types.is_bool_dtype(values) or not (
                pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
            ):
                top = values.astype(str).value_counts().index[:MAX_ONE_HOT]
                categorical[name] = [str(v) for v in top]
            else:
                x = _floats(values)
                x = x[~np.isnan(x)]
                if len(x) == 0:
                    x = np.zeros(1)
                numeric[name] = (float(x.min()), float(x.max()), float(np.median(x)))
        return cls(numeric, categorical)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Embed rows as a float32 matrix (see module docstring for the metric)."""
        parts = []
        scale = 1 / np.sqrt(2)
        for name, (lo, hi, median) in self.numeric.items():
            x = _floats(frame[name])
            missing = np.isnan(x)
            span = hi - lo if hi > lo else 1.0
            parts.append(np.clip((np.where(missing, median, x) - lo) / span, 0, 1)[:, None])
            parts.append(missing[:, None] * scale)
        for name, levels in self.categorical.items():
            values = frame[name].astype(str).to_numpy()
            index = pd.Index(levels).get_indexer(values)
            onehot = np.zeros((len(values), len(levels) + 1), dtype=np.float32)
            onehot[np.arange(len(values)), np.where(index < 0, len(levels), index)] = scale
            parts.append(onehot)
        return np.hstack(parts).astype(np.float32) if parts else np.zeros((len(frame), 0), np.float32)


def _floats(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("int64").to_numpy(dtype=float)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def nearest_distances(
    queries: np.ndarray, reference: np.ndarray, *, k: int = 1, chunk: int = 4096
) -> np.ndarray:
    """Distances from each query row to its ``k`` nearest reference rows, shape (n, k), sorted.

    Chunked over queries *and* reference, so memory is O(chunk x chunk_ref) whatever the sizes.
    """
    ref = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))
    ref_sq = (ref * ref).sum(1)
    ref_chunk = max(k, 65_536)
    out = np.empty((len(queries), k), dtype=np.float32)
    for start in range(0, len(queries), chunk):
        q = torch.from_numpy(np.ascontiguousarray(queries[start : start + chunk], dtype=np.float32))
        q_sq = (q * q).sum(1, keepdim=True)
        best = None
        for r0 in range(0, len(ref), ref_chunk):
            block = q_sq + ref_sq[r0 : r0 + ref_chunk] - 2 * q @ ref[r0 : r0 + ref_chunk].T
            top = torch.topk(block, min(k, block.shape[1]), dim=1, largest=False).values
            best = (
                top if best is None else torch.topk(torch.cat([best, top], 1), k, dim=1, largest=False).values
            )
        out[start : start + len(q)] = best.clamp_min(0).sqrt().numpy()
    return out


def dcr_figures(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Distance-to-closest-record figures of synthetic rows, each beside the holdout's own.

    - ``dcr_share``: share of synthetic rows closer to a training row than to a holdout row,
      with the training rows subsampled to the holdout's size so both references are equally
      dense (0.5 is ideal; ties count one half);
    - ``dcr_p5_synthetic`` / ``dcr_p5_holdout``: 5th percentile of the distance to the closest
      training row, for synthetic rows and for real holdout rows (what a fresh real row gets);
    - ``nndr_p5_synthetic`` / ``nndr_p5_holdout``: 5th percentile of the nearest-neighbour
      distance ratio d1/d2 to training rows (low = isolated next to one real record).
    """
    columns = columns or list(train.columns)
    rng = np.random.default_rng(seed)
    size = min(len(train), len(holdout))
    embedding = RowEmbedding.fit(train, columns)
    syn_x = embedding.transform(synthetic)
    train_x = embedding.transform(train)
    hold_x = embedding.transform(holdout.iloc[rng.choice(len(holdout), size, replace=False)])
    train_eq = train_x[rng.choice(len(train_x), size, replace=False)]
    to_train_eq = nearest_distances(syn_x, train_eq)[:, 0]
    to_hold = nearest_distances(syn_x, hold_x)[:, 0]
    share = float(np.mean(to_train_eq < to_hold) + 0.5 * np.mean(to_train_eq == to_hold))
    syn_nn = nearest_distances(syn_x, train_x, k=2)
    hold_nn = nearest_distances(hold_x, train_x, k=2)
    return {
        "dcr_share": share,
        "dcr_p5_synthetic": float(np.quantile(syn_nn[:, 0], 0.05)),
        "dcr_p5_holdout": float(np.quantile(hold_nn[:, 0], 0.05)),
        "nndr_p5_synthetic": float(np.quantile(_ratio(syn_nn), 0.05)),
        "nndr_p5_holdout": float(np.quantile(_ratio(hold_nn), 0.05)),
    }


def _ratio(nn: np.ndarray) -> np.ndarray:
    """d1 / d2, with 1.0 where both are zero (a duplicate among duplicates is not isolated)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(nn[:, 1] > 0, nn[:, 0] / nn[:, 1], 1.0)
