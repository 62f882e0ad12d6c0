"""Singling out, linkability and attribute inference, with the ``anonymeter`` package (Giomi et
al. 2023, the attacks the CNIL and Singapore's PDPC refer to). Each returns the risk estimate
and its 95 % confidence interval (plus the 99 % lower bound the gate judges evidence by).

Each result also carries the attack's raw success rate and that of anonymeter's random-guess
baseline: an attack no better than guessing has no power, and the gate says so beside its figure.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.stats import EVIDENCE


@dataclass(frozen=True)
class AttackRisk:
    """One attack's risk (0 = no risk) with its confidence interval."""

    name: str
    risk: float
    low: float
    high: float
    attack_rate: float = float("nan")
    baseline_rate: float = float("nan")
    attacks: int = 0
    evidence_low: float | None = None  # the risk's lower bound at 99 %: the gate's evidence

    @property
    def powerless(self) -> bool:
        """True when the attack did no better than random guessing (anonymeter's own warning)."""
        return bool(self.attack_rate <= self.baseline_rate)


def linkability_neighbors(n_records: int) -> int:
    """How many candidates the linkability attacker may name: about 0.2 % of the records.

    A link counts as found when the true record is among the attacker's ``k`` nearest
    candidates. ``k`` must scale with the table: 10 of 5,000 records (0.2 %) is a sharp attack,
    but 10 of 170 is 6 % of the table, where random guessing already succeeds ~17 % of the time
    and the risk estimate is noise with an interval too wide to judge (measured on the Berka
    loans: attack 0.19, guessing 0.17, interval [0, 0.15]). Small tables get exact linking.
    """
    return max(1, round(n_records * 0.002))


def _prepare(frames: list[pd.DataFrame], columns: list[str]) -> list[pd.DataFrame]:
    """Same columns and dtypes in every frame (anonymeter compares them directly)."""
    out = []
    for frame in frames:
        part = frame[columns].copy()
        for name in columns:
            if pd.api.types.is_datetime64_any_dtype(part[name]):
                part[name] = part[name].astype("int64") // 86_400_000_000_000
            elif not pd.api.types.is_numeric_dtype(part[name]) or pd.api.types.is_bool_dtype(part[name]):
                part[name] = part[name].astype(str)
            else:
                part[name] = part[name].astype(float)
        out.append(part.reset_index(drop=True))
    return out


@contextlib.contextmanager
def _polars_in_order() -> Iterator[None]:
    """Make polars' ``group_by`` and ``Series.unique`` keep first-seen order while anonymeter runs.

    Anonymeter 1.1 builds its singling-out queries from ``group_by(col).len()`` and
    ``Series.unique()`` without ``maintain_order``, so the order of candidate queries, and with
    it the seeded draw among them, changes from process to process: the same seed and tables
    gave a singling-out risk of 0.000, 0.006 or 0.037 (Berka loans). Restored on exit.
    """
    import polars as pl

    group_by, unique = pl.DataFrame.group_by, pl.Series.unique

    def ordered_group_by(self, *by, maintain_order: bool = True, **named):
        return group_by(self, *by, maintain_order=True, **named)

    def ordered_unique(self, *, maintain_order: bool = True):
        return unique(self, maintain_order=True)

    pl.DataFrame.group_by, pl.Series.unique = ordered_group_by, ordered_unique
    try:
        yield
    finally:
        pl.DataFrame.group_by, pl.Series.unique = group_by, unique


def nearest_neighbours(
    queries: np.ndarray, candidates: np.ndarray, cat_cols_index: int, n_neighbors: int
) -> tuple[np.ndarray, np.ndarray]:
    """Anonymeter's mixed-type nearest-neighbour search, vectorised with NumPy.

    The same contract and distance as ``anonymeter.neighbors.mixed_types_kneighbors.
    _nearest_neighbors``: columns before ``cat_cols_index`` add their absolute difference, the
    others 1 where they differ, and a pair of missing values adds 1. Anonymeter's version is a
    numba function compiled at its first call, without numba's cache: seconds of every process's
    privacy gate, and on the first run after an install the longest step of the demo
    (docs/benchmarks.md). Ties go to the lower candidate index.
    """
    queries, candidates = np.asarray(queries), np.asarray(candidates)
    idx = np.empty((len(queries), n_neighbors), dtype=np.int64)
    dists = np.empty((len(queries), n_neighbors), dtype=np.float64)
    step = max(1, _CHUNK_CELLS // max(1, candidates.size))
    for start in range(0, len(queries), step):
        distance = _mixed_distances(queries[start : start + step], candidates, cat_cols_index)
        order = np.argsort(distance, axis=1, kind="stable")[:, :n_neighbors]
        idx[start : start + step] = order
        dists[start : start + step] = np.take_along_axis(distance, order, axis=1)
    return idx, dists


_CHUNK_CELLS = 1_000_000  # distances of a block of queries: megabytes, in cache


def _mixed_distances(queries: np.ndarray, candidates: np.ndarray, split: int) -> np.ndarray:
    """(queries, candidates) distances; a missing value against a present one gives NaN, as
    anonymeter's loop does.
    """
    q, c = queries[:, None, :split], candidates[None, :, :split]  # (Q, 1, N), (1, C, N)
    numeric = np.where(np.isnan(q) & np.isnan(c), 1.0, np.abs(q - c)).sum(axis=2)
    differ = (queries[:, None, split:] != candidates[None, :, split:]).sum(axis=2)
    return numeric + differ


def use_vectorised_neighbours() -> None:
    """Have anonymeter's attacks search neighbours with :func:`nearest_neighbours`. Idempotent."""
    import anonymeter.evaluators  # noqa: F401 - imports the module below past its import cycle
    from anonymeter.neighbors import mixed_types_kneighbors as knn

    knn._nearest_neighbors = nearest_neighbours


def anonymeter_risks(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    columns: list[str],
    secret: str | None = None,
    n_attacks: int = 300,
    max_rows: int = 5_000,
    seed: int = 0,
) -> list[AttackRisk]:
    """Run the three attacks on (sub-samples of) the tables; ``holdout`` is the control set."""
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    use_vectorised_neighbours()
    rng = np.random.default_rng(seed)
    # The original and control sets must be the same size: how easily a predicate singles out
    # one record depends on how many records there are, so unequal sizes bias the risk.
    size = min(len(train), len(holdout), max_rows)

    def cap(frame: pd.DataFrame, n: int) -> pd.DataFrame:
        return frame if len(frame) <= n else frame.iloc[rng.choice(len(frame), n, replace=False)]

    ori, syn, control = _prepare([cap(train, size), cap(synthetic, max_rows), cap(holdout, size)], columns)
    n_attacks = int(min(n_attacks, len(control), len(ori)))
    risks = []
    with warnings.catch_warnings(), _polars_in_order():
        warnings.simplefilter("ignore")
        singling = SinglingOutEvaluator(ori, syn, n_attacks=n_attacks, control=control, seed=seed)
        singling.evaluate(mode="univariate")
        risks.append(_risk("singling_out", singling, n_attacks))
        half = len(columns) // 2
        linkability = LinkabilityEvaluator(
            ori,
            syn,
            aux_cols=(columns[:half], columns[half:]),
            n_attacks=n_attacks,
            n_neighbors=linkability_neighbors(len(ori)),
            control=control,
        )
        linkability.evaluate(n_jobs=1)
        risks.append(_risk("linkability", linkability, n_attacks))
        secret = secret or columns[-1]
        inference = InferenceEvaluator(
            ori,
            syn,
            aux_cols=[c for c in columns if c != secret],
            secret=secret,
            n_attacks=n_attacks,
            control=control,
        )
        inference.evaluate(n_jobs=1)
        risks.append(_risk("attribute_inference", inference, n_attacks))
    return risks


def _risk(name: str, evaluator, n_attacks: int) -> AttackRisk:
    risk, results = evaluator.risk(), evaluator.results()
    low, high = risk.ci
    return AttackRisk(
        name,
        float(risk.value),
        float(low),
        float(high),
        float(results.attack_rate.value),
        float(results.baseline_rate.value),
        n_attacks,
        float(evaluator.risk(confidence_level=EVIDENCE).ci[0]),
    )
