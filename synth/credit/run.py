"""One credit-risk run: calibrate the correlation, simulate baseline and stressed losses, and
compute their figures. A :class:`Portfolio` names the loans; this module never writes rows.

Calibration, in order of preference (the manifest records which was used):
``correlation: <number>`` given by the user; else estimated by maximum likelihood from default
counts per group (``estimate_by``: a vintage date column or a segment column); else, when no
grouping is named or the estimate cannot be made, Basel's retail formula at the book's PDs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from synth.credit.engine import Book, FactorModel, downturn_shift, scenario_losses
from synth.credit.figures import loss_figures
from synth.credit.vasicek import Calibration, basel_retail_rho, estimate_rho
from synth.errors import JobError

SCENARIO_CHUNK = 1_000


@dataclass(frozen=True)
class CreditConfig:
    """How to draw scenarios and what stress to apply."""

    scenarios: int = 10_000
    correlation: float | None = None
    estimate_by: str | None = None
    factor_correlation: float = 1.0
    downturn_years: float | None = None
    factor_shift: float = 0.0
    pd_multiplier: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    scheduler: str | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.scenarios < 1:
            raise JobError(f"credit.scenarios must be at least 1, got {self.scenarios}")
        if self.correlation is not None and not 0 <= self.correlation < 1:
            raise JobError(f"credit.correlation must lie in [0, 1), got {self.correlation}")

    @property
    def stressed(self) -> bool:
        """Whether the run has a stress beside its baseline."""
        return bool(self.downturn_years or self.factor_shift or self.pd_multiplier)

    def shift(self) -> float:
        """The systematic factor's mean under stress."""
        return self.factor_shift + (downturn_shift(self.downturn_years) if self.downturn_years else 0.0)


def calibrate(book: Book, config: CreditConfig, counts: tuple[np.ndarray, np.ndarray] | None) -> Calibration:
    """The asset correlation of this run, and where it came from."""
    if config.correlation is not None:
        return Calibration(config.correlation, "given")
    note = ""
    if counts is not None:
        try:
            return estimate_rho(*counts)
        except ValueError as error:
            note = f"not estimated from {config.estimate_by}: {error}"
    weights = book.exposure / book.exposure.sum() if book.exposure.sum() > 0 else None
    rho = float(np.average(basel_retail_rho(book.pd), weights=weights))
    return Calibration(rho, "basel_retail", note=note or "no grouping to estimate from (estimate_by)")


def simulate_losses(
    book: Book,
    model: FactorModel,
    config: CreditConfig,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Losses per scenario and segment (K x S), on Dask workers when asked."""
    chunks = [
        range(i, min(i + SCENARIO_CHUNK, config.scenarios))
        for i in range(0, config.scenarios, SCENARIO_CHUNK)
    ]
    if config.workers <= 1 and config.scheduler is None:
        parts = []
        for chunk in chunks:
            parts.append(scenario_losses(book, model, chunk, seed=config.seed))
            if progress:
                progress(chunk.stop, config.scenarios)
        return np.concatenate(parts)
    from dask.distributed import Client, LocalCluster

    cluster = (
        None
        if config.scheduler
        else LocalCluster(n_workers=config.workers, threads_per_worker=1, processes=True)
    )
    with Client(config.scheduler or cluster) as client:
        shared = client.scatter(book, broadcast=True)
        futures = client.map(lambda c, b: scenario_losses(b, model, c, seed=config.seed), chunks, b=shared)
        parts = client.gather(futures)
    if cluster is not None:
        cluster.close()
    return np.concatenate(parts)


@dataclass
class CreditResult:
    """Figures of one run (aggregates only) and the per-scenario losses behind them."""

    calibration: Calibration
    figures: dict[str, dict]
    losses: dict[str, np.ndarray]  # "baseline" / "stressed" -> K x S
    segments: tuple[str, ...]
    exposure: float

    def to_dict(self) -> dict:
        """JSON-ready: calibration, figures, segments, total exposure."""
        return {
            "calibration": self.calibration.to_dict(),
            "figures": self.figures,
            "segments": list(self.segments),
            "exposure": self.exposure,
        }


def run_credit(
    book: Book,
    config: CreditConfig,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CreditResult:
    """Calibrate, then simulate the baseline and (when stressed) the stressed distribution."""
    calibration = calibrate(book, config, counts)
    runs = {"baseline": FactorModel(calibration.rho, config.factor_correlation)}
    if config.stressed:
        runs["stressed"] = FactorModel(
            calibration.rho, config.factor_correlation, config.shift(), dict(config.pd_multiplier)
        )
    losses = {name: simulate_losses(book, model, config, progress) for name, model in runs.items()}
    figures = {name: loss_figures(values, book.segments, config.seed) for name, values in losses.items()}
    return CreditResult(calibration, figures, losses, book.segments, float(book.exposure.sum()))
