"""Loss-distribution figures a risk team can defend: each with its 95 % interval and a warning
when there are too few scenarios in the tail to estimate it.

- VaR (a quantile): the distribution-free interval of order statistics, ranks from the binomial
  distribution of how many scenarios fall below the true quantile.
- ES (the mean beyond the alpha quantile) and the mean: percentile bootstrap over scenarios.
- Euler contributions of ES per segment: each segment's mean loss over the same tail scenarios;
  they add up to ES exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_TAIL = 10  # fewer scenarios than this beyond a quantile: the figure is flagged
BOOTSTRAP = 400


@dataclass(frozen=True)
class Figure:
    """An estimate with its 95 % interval, and a warning when it cannot be trusted."""

    value: float
    low: float
    high: float
    warning: str = ""

    def to_dict(self) -> dict:
        """JSON-ready."""
        out = {"value": self.value, "low": self.low, "high": self.high}
        return {**out, "warning": self.warning} if self.warning else out


def _tail_warning(k: int, q: float, name: str) -> str:
    beyond = k * (1 - q)
    if beyond >= MIN_TAIL:
        return ""
    needed = int(np.ceil(MIN_TAIL / (1 - q)))
    return f"{name}: {k:,} scenarios leave about {beyond:.1f} beyond it (unreliable); run at least {needed:,}"


def var(losses: np.ndarray, q: float) -> Figure:
    """Value at risk at level ``q`` with its order-statistic interval."""
    ordered = np.sort(np.asarray(losses, dtype=float))
    k = len(ordered)
    low_rank = int(stats.binom.ppf(0.025, k, q))
    high_rank = int(stats.binom.ppf(0.975, k, q)) + 1
    return Figure(
        float(np.quantile(ordered, q)),
        float(ordered[max(low_rank - 1, 0)]),
        float(ordered[min(high_rank - 1, k - 1)]),
        _tail_warning(k, q, f"VaR {q:.1%}"),
    )


def _tail_mean(ordered: np.ndarray, alpha: float) -> float:
    start = min(int(np.floor(len(ordered) * alpha)), len(ordered) - 1)
    return float(ordered[start:].mean())


def expected_shortfall(losses: np.ndarray, alpha: float, seed: int = 0) -> Figure:
    """Mean loss beyond the ``alpha`` quantile, with a bootstrap interval."""
    values = np.asarray(losses, dtype=float)
    rng = np.random.default_rng(seed)
    draws = [_tail_mean(np.sort(rng.choice(values, len(values))), alpha) for _ in range(BOOTSTRAP)]
    low, high = np.quantile(draws, [0.025, 0.975])
    return Figure(
        _tail_mean(np.sort(values), alpha),
        float(low),
        float(high),
        _tail_warning(len(values), alpha, f"ES {alpha:.1%}"),
    )


def mean(losses: np.ndarray) -> Figure:
    """Mean loss with its normal interval."""
    values = np.asarray(losses, dtype=float)
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return Figure(float(values.mean()), float(values.mean() - half), float(values.mean() + half))


def es_contributions(by_segment: np.ndarray, segments: tuple[str, ...], alpha: float) -> dict[str, float]:
    """Euler allocation of ES: each segment's mean loss in the scenarios beyond the alpha quantile."""
    total = by_segment.sum(axis=1)
    order = np.argsort(total, kind="stable")
    start = min(int(np.floor(len(total) * alpha)), len(total) - 1)
    tail = order[start:]
    return {name: float(by_segment[tail, s].mean()) for s, name in enumerate(segments)}


def convergence(losses: np.ndarray, q: float, points: int = 12) -> list[dict]:
    """The q-quantile and its interval over the first k scenarios, for k on a log grid."""
    values = np.asarray(losses, dtype=float)
    start = max(10, int(np.ceil(1 / (1 - q))))
    if len(values) < start:
        return []
    counts = np.unique(np.geomspace(start, len(values), points).astype(int))
    return [{"scenarios": int(k), **var(values[:k], q).to_dict()} for k in counts]


def loss_figures(by_segment: np.ndarray, segments: tuple[str, ...], seed: int = 0) -> dict:
    """Every figure of one loss distribution (losses per scenario and segment, K x S)."""
    total = by_segment.sum(axis=1)
    return {
        "scenarios": len(total),
        "mean": mean(total).to_dict(),
        "var_99": var(total, 0.99).to_dict(),
        "var_99_9": var(total, 0.999).to_dict(),
        "es_97_5": expected_shortfall(total, 0.975, seed).to_dict(),
        "es_contributions": es_contributions(by_segment, segments, 0.975),
        "convergence_var_99_9": convergence(total, 0.999),
    }
