"""Scalable nearest-record distances over mixed-type rows (our own: SDMetrics' DCR builds the
full distance matrix and runs out of memory near 30,000 rows).

The distance between two rows is Euclidean over a row embedding in which every numeric column
is range-scaled to [0, 1] with the *real* table's min and max (clipped), and every categorical
column is one-hot scaled by 1/sqrt(2), so a category mismatch adds exactly 1 to the squared
distance, like a numeric difference of one full range. A missing value is its own category for
categorical columns; for numeric ones it is an extra 0/1 indicator (scaled the same way) and
the value is imputed at the median. Distances are computed in tiles with the identity
|a-b|^2 = |a|^2 + |b|^2 - 2ab on float32 matrix products, so memory stays bounded by the tile
and the cost is one GEMM per tile plus row and column minima.

:func:`nearest_records` makes a single pass over synthetic x (training sample + holdout) and
reads everything the gate needs from it: the synthetic rows' nearest training and holdout rows
(DCR share, 5th percentiles, NNDR) along the rows of each tile, and every real row's nearest
synthetic row (the membership attack) along its columns. On two cores it scans 1 million
synthetic rows against 80,000 training + 20,000 holdout rows in about three minutes
(``synth bench --privacy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

MAX_ONE_HOT = 64  # rarer levels of a high-cardinality column share one slot
TILE = 2048  # reference rows per tile: a 1024 x 2048 float32 tile stays in cache for the minima


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

    @property
    def width(self) -> int:
        """Number of embedding dimensions."""
        return 2 * len(self.numeric) + sum(len(levels) + 1 for levels in self.categorical.values())

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Embed rows as a float32 matrix (see module docstring for the metric)."""
        out = np.zeros((len(frame), self.width), dtype=np.float32)
        rows = np.arange(len(frame))
        scale = 1 / np.sqrt(2)
        at = 0
        for name, (lo, hi, median) in self.numeric.items():
            x = _floats(frame[name])
            missing = np.isnan(x)
            span = hi - lo if hi > lo else 1.0
            out[:, at] = np.clip((np.where(missing, median, x) - lo) / span, 0, 1)
            out[:, at + 1] = missing * scale
            at += 2
        for name, levels in self.categorical.items():
            codes, uniques = pd.factorize(frame[name], use_na_sentinel=False)
            slot = pd.Index(levels).get_indexer(pd.Index(uniques).astype(str))
            slot = np.where(slot < 0, len(levels), slot)
            out[rows, at + slot[codes]] = scale
            at += len(levels) + 1
        return out


def _floats(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("int64").to_numpy(dtype=float)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def nearest_distances(
    queries: np.ndarray, reference: np.ndarray, *, k: int = 1, chunk: int = 1024
) -> np.ndarray:
    """Distances from each query row to its ``k`` nearest reference rows, shape (n, k), sorted.

    Tiled over queries *and* reference, so memory is O(chunk x tile) whatever the sizes.
    """
    ref = _tensor(reference)
    ref_sq = (ref * ref).sum(1)
    tile = max(k, TILE)
    out = np.empty((len(queries), k), dtype=np.float32)
    for start in range(0, len(queries), chunk):
        q = _tensor(queries[start : start + chunk])
        q_sq = (q * q).sum(1, keepdim=True)
        best = None
        for r0 in range(0, len(ref), tile):
            block = torch.addmm(ref_sq[r0 : r0 + tile], q, ref[r0 : r0 + tile].T, alpha=-2).add_(q_sq)
            best = _smallest(block, k, best)
        out[start : start + len(q)] = best.clamp_min(0).sqrt().numpy()
    return out


@dataclass(frozen=True)
class NearestRecords:
    """Nearest-record distances between synthetic rows and real samples.

    The holdout sample has ``size`` rows; the training sample is ``parts`` disjoint partitions
    of ``size`` rows each. Every partition is as dense as the holdout, so a synthetic row that is
    no closer to the training rows than a fresh real row would be lands nearer a partition or
    the holdout with equal odds. Averaging over the partitions uses more of the training rows
    and steadies the DCR share on small tables, where one draw of ``size`` training rows decides
    much of it.
    """

    synthetic_to_train: np.ndarray  # (n_synthetic, 2): two nearest rows of the training sample
    synthetic_to_partitions: np.ndarray  # (n_synthetic, parts): nearest row of each partition
    synthetic_to_holdout: np.ndarray  # (n_synthetic,)
    train_to_synthetic: np.ndarray  # (parts * size,): each training row's nearest synthetic row
    holdout_to_synthetic: np.ndarray  # (size,)
    holdout_to_train: np.ndarray  # (size, 2): what a fresh real row gets

    @property
    def size(self) -> int:
        """Rows in the holdout sample (and in each training partition)."""
        return len(self.holdout_to_synthetic)

    @property
    def closer_to_train(self) -> np.ndarray:
        """Each synthetic row's share of training partitions nearer to it than the holdout sample
        (ties count one half); the DCR share is their mean.
        """
        parts, hold = self.synthetic_to_partitions, self.synthetic_to_holdout[:, None]
        return (parts < hold).mean(1) + 0.5 * (parts == hold).mean(1)


def nearest_records(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    max_reference: int = 25_000,
    max_parts: int = 4,
    chunk: int = 1024,
    seed: int = 0,
) -> NearestRecords:
    """One tiled pass over synthetic x (training partitions + holdout sample); see the module
    doc. ``size = min(len(train), len(holdout), max_reference)`` and
    ``parts = min(len(train) // size, max_parts)``; rows are drawn without replacement with
    ``seed``. The cost is ``n_synthetic x (parts + 1) x size`` distances.
    """
    columns = columns or list(train.columns)
    rng = np.random.default_rng(seed)
    size = min(len(train), len(holdout), max_reference)
    parts = max(1, min(len(train) // size, max_parts))
    embedding = RowEmbedding.fit(train, columns)
    picked = rng.choice(len(train), parts * size, replace=False)
    train_x = _tensor(embedding.transform(train.iloc[picked]))
    hold_x = _tensor(embedding.transform(holdout.iloc[rng.choice(len(holdout), size, replace=False)]))
    syn_x = embedding.transform(synthetic)
    reference = torch.cat([train_x, hold_x])
    ref_sq = (reference * reference).sum(1)
    tiles = [
        (r0, min(r0 + TILE, (part + 1) * size), part)
        for part in range(parts + 1)  # the last part is the holdout sample
        for r0 in range(part * size, (part + 1) * size, TILE)
    ]
    to_train = np.empty((len(syn_x), 2), dtype=np.float32)
    to_parts = np.empty((len(syn_x), parts + 1), dtype=np.float32)
    column_min = torch.full((len(reference),), float("inf"))
    for start in range(0, len(syn_x), chunk):
        q = _tensor(syn_x[start : start + chunk])
        q_sq = (q * q).sum(1, keepdim=True)
        best, nearest = None, torch.full((len(q), parts + 1), float("inf"))
        for r0, r1, part in tiles:
            block = torch.addmm(ref_sq[r0:r1], q, reference[r0:r1].T, alpha=-2).add_(q_sq)
            torch.minimum(column_min[r0:r1], block.amin(0), out=column_min[r0:r1])
            if part < parts:
                top = torch.topk(block, min(2, r1 - r0), dim=1, largest=False).values
                best = _smallest(top, 2, best)
                closest = top[:, 0]
            else:
                closest = block.amin(1)
            torch.minimum(nearest[:, part], closest, out=nearest[:, part])
        to_train[start : start + len(q)] = best.clamp_min(0).sqrt().numpy()
        to_parts[start : start + len(q)] = nearest.clamp_min(0).sqrt().numpy()
    real_to_syn = column_min.clamp_min(0).sqrt().numpy()
    return NearestRecords(
        synthetic_to_train=to_train,
        synthetic_to_partitions=to_parts[:, :parts],
        synthetic_to_holdout=to_parts[:, parts],
        train_to_synthetic=real_to_syn[: parts * size],
        holdout_to_synthetic=real_to_syn[parts * size :],
        holdout_to_train=nearest_distances(hold_x.numpy(), train_x.numpy(), k=2, chunk=chunk),
    )


def dcr_figures(records: NearestRecords) -> dict[str, float]:
    """Distance-to-closest-record figures of synthetic rows, each beside the holdout's own.

    - ``dcr_share``: share of synthetic rows closer to a training partition than to the equally
      large holdout sample, averaged over the partitions (0.5 is ideal; ties count one half);
    - ``dcr_p5_synthetic`` / ``dcr_p5_holdout``: 5th percentile of the distance to the closest
      training row, for synthetic rows and for real holdout rows (what a fresh real row gets);
    - ``nndr_p5_synthetic`` / ``nndr_p5_holdout``: 5th percentile of the nearest-neighbour
      distance ratio d1/d2 to training rows (low = isolated next to one real record).

    Synthetic and holdout rows are measured against the same training sample.
    """
    share = float(records.closer_to_train.mean())
    to_train = records.synthetic_to_train[:, 0]
    return {
        "dcr_share": share,
        "dcr_p5_synthetic": float(np.quantile(to_train, 0.05)),
        "dcr_p5_holdout": float(np.quantile(records.holdout_to_train[:, 0], 0.05)),
        "nndr_p5_synthetic": float(np.quantile(nndr(records.synthetic_to_train), 0.05)),
        "nndr_p5_holdout": float(np.quantile(nndr(records.holdout_to_train), 0.05)),
    }


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def _smallest(block: torch.Tensor, k: int, best: torch.Tensor | None) -> torch.Tensor:
    """The k smallest values of each row of ``block``, merged with the running ``best``."""
    if k == 1:
        top = block.amin(1, keepdim=True)
        return top if best is None else torch.minimum(best, top)
    top = torch.topk(block, min(k, block.shape[1]), dim=1, largest=False).values
    if best is None:
        return top
    return torch.topk(torch.cat([best, top], 1), k, dim=1, largest=False).values


def nndr(nn: np.ndarray) -> np.ndarray:
    """d1 / d2, with 1.0 where both are zero (a duplicate among duplicates is not isolated)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(nn[:, 1] > 0, nn[:, 0] / nn[:, 1], 1.0)
