"""The one-factor Gaussian copula (Vasicek / Basel ASRF): closed forms and calibration.

A loan defaults when its latent asset value ``sqrt(rho) Z + sqrt(1 - rho) e`` falls below
``Phi^-1(PD)``; ``Z`` is the systematic factor shared by the book, ``e`` the loan's own. Given
``Z``, defaults are independent with probability :func:`conditional_pd`, and for a large
homogeneous book the loss fraction's q-quantile is :func:`asrf_quantile` (the Basel IRB
formula, before LGD and maturity terms).

The asset correlation ``rho`` is estimated from defaults counted per group (vintages or
segments) by maximum likelihood on the binomial mixture the model implies, integrating ``Z``
with Gauss-Hermite quadrature, which stays exact for small groups where the default-rate
variance is mostly binomial noise; its 95 % interval is the profile-likelihood one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(96)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()  # probabilists' Hermite: weights of N(0, 1)
RHO_MAX = 0.95
_PROFILE_DROP = stats.chi2.ppf(0.95, 1) / 2


def conditional_pd(pd: np.ndarray | float, rho: np.ndarray | float, z: np.ndarray | float) -> np.ndarray:
    """Default probability given the systematic factor ``z`` (low ``z``: a downturn)."""
    return stats.norm.cdf((stats.norm.ppf(pd) - np.sqrt(rho) * z) / np.sqrt(1 - rho))


def asrf_quantile(pd: float, rho: float, q: float) -> float:
    """The q-quantile of the loss fraction of an infinitely granular book (LGD 100 %)."""
    return float(stats.norm.cdf((stats.norm.ppf(pd) + np.sqrt(rho) * stats.norm.ppf(q)) / np.sqrt(1 - rho)))


def basel_retail_rho(pd: np.ndarray | float) -> np.ndarray:
    """Basel's asset correlation for other retail exposures (3 % to 16 %, falling with PD)."""
    weight = (1 - np.exp(-35 * np.asarray(pd))) / (1 - np.exp(-35))
    return 0.03 * weight + 0.16 * (1 - weight)


@dataclass(frozen=True)
class Calibration:
    """An asset correlation, where it came from, and its 95 % interval when estimated."""

    rho: float
    method: str  # "estimated" | "given" | "basel_retail"
    low: float | None = None
    high: float | None = None
    pd: float | None = None
    groups: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {k: v for k, v in vars(self).items() if v is not None and v != ""}


def _log_likelihood(pd: float, rho: float, n: np.ndarray, d: np.ndarray) -> float:
    p = np.clip(conditional_pd(pd, rho, _NODES[None, :]), 1e-15, 1 - 1e-15)  # (1, Q)
    log_binom = (
        special.gammaln(n + 1)[:, None]
        - special.gammaln(d + 1)[:, None]
        - special.gammaln(n - d + 1)[:, None]
        + d[:, None] * np.log(p)
        + (n - d)[:, None] * np.log1p(-p)
    )  # (G, Q)
    return float(special.logsumexp(log_binom + np.log(_WEIGHTS)[None, :], axis=1).sum())


def _best_pd(rho: float, n: np.ndarray, d: np.ndarray, start: float) -> tuple[float, float]:
    """The PD that maximises the likelihood at a fixed ``rho`` (on the probit scale)."""
    result = optimize.minimize_scalar(
        lambda t: -_log_likelihood(stats.norm.cdf(t), rho, n, d),
        bracket=(stats.norm.ppf(start) - 0.5, stats.norm.ppf(start) + 0.5),
    )
    return float(stats.norm.cdf(result.x)), float(-result.fun)


def estimate_rho(loans: np.ndarray, defaults: np.ndarray) -> Calibration:
    """Maximum-likelihood asset correlation from loans and defaults counted per group.

    Needs at least three groups with loans and at least one default overall; the interval is
    where the profile log-likelihood is within chi2(1, 0.95) / 2 of its maximum.
    """
    n, d = np.asarray(loans, dtype=float), np.asarray(defaults, dtype=float)
    keep = n > 0
    n, d = n[keep], d[keep]
    if len(n) < 3 or d.sum() == 0 or d.sum() == n.sum():
        raise ValueError(
            "needs at least three groups with loans, and some loans that did and did not default"
        )
    start = float(d.sum() / n.sum())
    grid = np.linspace(0.0, RHO_MAX, 96)[1:]
    profile = np.array([_best_pd(r, n, d, start)[1] for r in grid])
    best = int(profile.argmax())
    low_edge, high_edge = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    refined = optimize.minimize_scalar(
        lambda r: -_best_pd(r, n, d, start)[1], bounds=(low_edge, high_edge), method="bounded"
    )
    rho, top = float(refined.x), float(-refined.fun)
    level = top - _PROFILE_DROP

    def gap(r: float) -> float:
        return _best_pd(r, n, d, start)[1] - level

    below = grid[(grid < rho) & (profile < level)]
    above = grid[(grid > rho) & (profile < level)]
    low = float(optimize.brentq(gap, below.max(), rho, xtol=1e-4)) if len(below) else 0.0
    high = float(optimize.brentq(gap, rho, above.min(), xtol=1e-4)) if len(above) else RHO_MAX
    pd, _ = _best_pd(rho, n, d, start)
    return Calibration(rho, "estimated", low, high, pd, len(n))
