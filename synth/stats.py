"""Small statistics the verdicts share: intervals of AUCs, shares and percentile ratios.

Every verdict of the gate and the quality floor is an estimate from a finite number of rows.
These intervals let a check fail only when the evidence says so, not when noise does.
"""

from __future__ import annotations

import numpy as np

Z = 1.96  # two-sided 95 %
EVIDENCE = 0.99
Z_EVIDENCE = 2.576  # two-sided 99 %: a verdict fails on evidence at this level (several checks run)


def auc_se(auc: float, positives: int, negatives: int) -> float:
    """Hanley and McNeil's (1982) standard error of a ROC-AUC; infinite without both classes."""
    if positives < 1 or negatives < 1:
        return float("inf")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)) / (
        positives * negatives
    )
    return float(np.sqrt(max(var, 0.0)))


def mean_interval(values: np.ndarray, z: float = Z_EVIDENCE, draws: int | None = None) -> tuple[float, float]:
    """Interval of the mean of ``values`` (normal approximation; 99 % by default). ``draws``:
    how many independent draws the mean rests on when fewer than the values (every synthetic
    row is compared with the same holdout sample, so a 44-row holdout bounds what the mean of
    any number of rows can tell).
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("-inf"), float("inf")
    se = float(values.std(ddof=1) / np.sqrt(min(len(values), draws or len(values))))
    mean = float(values.mean())
    return mean - z * se, mean + z * se


def excess_share(hits: int, n: int, reference_hits: int, reference_n: int) -> float:
    """Z statistic of a share above a reference share (two-proportion test, pooled)."""
    if n < 1 or reference_n < 1:
        return 0.0
    pooled = (hits + reference_hits) / (n + reference_n)
    se = np.sqrt(max(pooled * (1 - pooled) * (1 / n + 1 / reference_n), 1e-12))
    return float((hits / n - reference_hits / reference_n) / se)


def p5_ratio_interval(
    values: np.ndarray, reference: np.ndarray, *, seed: int = 0, draws: int = 400
) -> tuple[float, float]:
    """Bootstrap 99 % interval of ``p5(values) / p5(reference)`` (both resampled)."""
    rng = np.random.default_rng([seed, 5])
    values, reference = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    picks = rng.integers(0, len(values), (draws, len(values)))
    ref_picks = rng.integers(0, len(reference), (draws, len(reference)))
    top = np.quantile(values[picks], 0.05, axis=1)
    bottom = np.quantile(reference[ref_picks], 0.05, axis=1)
    ratios = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), 1.0)
    return float(np.quantile(ratios, 0.005)), float(np.quantile(ratios, 0.995))
