"""Portfolio losses over scenarios: systematic factors first, then defaults given them.

Scenario ``k`` of a run with seed ``s`` draws from ``SeedSequence([s, k])`` alone, so any chunk
or worker computes the same scenario, and a run is reproducible whatever its chunking. Per
scenario: one factor per segment group (one factor for the book by default), each loan's
idiosyncratic normal, a default indicator, and the loss ``sum(EAD x LGD)`` per segment. Memory is
one scenario's draws (N floats) plus the K x S losses; nothing is K x N.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from synth.errors import JobError


@dataclass(frozen=True)
class Book:
    """A loan book as the loss model sees it: one entry per loan."""

    pd: np.ndarray  # (N,) default probability over the horizon, in (0, 1)
    exposure: np.ndarray  # (N,) EAD x LGD
    segment: np.ndarray  # (N,) int codes into ``segments``
    segments: tuple[str, ...] = ("book",)

    def __post_init__(self) -> None:
        if not len(self.pd) == len(self.exposure) == len(self.segment):
            raise JobError("credit: pd, exposure and segment must have one entry per loan")
        if len(self.pd) == 0:
            raise JobError("credit: the loan book is empty")
        if not np.all((self.pd > 0) & (self.pd < 1)):
            raise JobError("credit: every PD must lie in (0, 1)")
        if np.any(self.exposure < 0) or not np.all(np.isfinite(self.exposure)):
            raise JobError("credit: exposures (EAD x LGD) must be finite and non-negative")


@dataclass(frozen=True)
class FactorModel:
    """Asset correlation, factor structure and stress of one run.

    ``factor_correlation`` 1 means one systematic factor for the whole book (Vasicek);
    below 1, each segment has its own factor, correlated with the others at that level
    (a multi-factor model by segment). ``factor_shift`` moves every factor's mean (negative:
    a downturn, e.g. ``Phi^-1(1/25)`` for a 1-in-25-year year); ``pd_multiplier`` scales the
    PD of each named segment (capped below 1).
    """

    rho: float
    factor_correlation: float = 1.0
    factor_shift: float = 0.0
    pd_multiplier: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.rho < 1:
            raise JobError(f"credit: the asset correlation must lie in [0, 1), got {self.rho}")
        if not 0 <= self.factor_correlation <= 1:
            raise JobError(f"credit: factor_correlation must lie in [0, 1], got {self.factor_correlation}")
        for name, factor in self.pd_multiplier.items():
            if factor <= 0:
                raise JobError(f"credit: pd_multiplier for '{name}' must be positive, got {factor}")


def downturn_shift(years: float) -> float:
    """The factor shift of a 1-in-``years`` downturn: the factor's ``1/years`` quantile."""
    if years <= 1:
        raise JobError(f"credit: a downturn is 1 in more than one year, got {years}")
    return float(stats.norm.ppf(1 / years))


def thresholds(book: Book, model: FactorModel) -> np.ndarray:
    """Each loan's default threshold ``Phi^-1(PD)`` after the PD multipliers, shape (N,)."""
    pd = book.pd.copy()
    for name, factor in model.pd_multiplier.items():
        if name not in book.segments:
            raise JobError(f"credit: pd_multiplier names segment '{name}', which the book does not have")
        hit = book.segment == book.segments.index(name)
        pd[hit] = np.minimum(pd[hit] * factor, 1 - 1e-9)
    return stats.norm.ppf(pd)


def scenario_losses(
    book: Book,
    model: FactorModel,
    scenarios: range,
    *,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Losses per scenario and segment, shape ``(len(scenarios), S)``."""
    t = thresholds(book, model).astype(np.float32)  # (N,)
    loading, own = np.float32(np.sqrt(model.rho)), np.float32(np.sqrt(1 - model.rho))
    n_segments = len(book.segments)
    exposure = book.exposure.astype(np.float64)
    out = np.zeros((len(scenarios), n_segments))
    for row, k in enumerate(scenarios):
        rng = np.random.default_rng(np.random.SeedSequence([seed, k]))
        factors = _factors(rng, n_segments, model)  # (S,)
        latent = loading * factors[book.segment] + own * rng.standard_normal(len(t), dtype=np.float32)
        defaulted = latent < t  # (N,)
        out[row] = np.bincount(book.segment, weights=exposure * defaulted, minlength=n_segments)
        if progress and (row + 1) % 256 == 0:
            progress(row + 1, len(scenarios))
    return out


def _factors(rng: np.random.Generator, n_segments: int, model: FactorModel) -> np.ndarray:
    common = rng.standard_normal()
    if model.factor_correlation >= 1:
        own = np.zeros(n_segments)
    else:
        own = rng.standard_normal(n_segments)
    mix = np.sqrt(model.factor_correlation) * common + np.sqrt(1 - model.factor_correlation) * own
    return (mix + model.factor_shift).astype(np.float32)
