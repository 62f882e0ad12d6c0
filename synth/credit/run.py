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


def _work(n_books: int, scenarios: int) -> list[tuple[int, range]]:
    """(book, scenarios) pieces: scenario k uses book k mod n_books, at most a chunk each."""
    pieces = []
    for b in range(n_books):
        mine = range(b, scenarios, n_books)
        pieces += [(b, mine[i : i + SCENARIO_CHUNK]) for i in range(0, len(mine), SCENARIO_CHUNK)]
    return pieces


def simulate_losses(
    books: Book | list[Book],
    model: FactorModel,
    config: CreditConfig,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Losses per scenario and segment (K x S), on Dask workers when asked.

    With several books (synthetic books of different compositions), scenario k uses book
    k mod len(books); the books share one list of segments.
    """
    books = books if isinstance(books, list) else [books]
    pieces = _work(len(books), config.scenarios)
    out = np.zeros((config.scenarios, len(books[0].segments)))
    if config.workers <= 1 and config.scheduler is None:
        done = 0
        for b, scenarios in pieces:
            out[np.asarray(scenarios)] = scenario_losses(books[b], model, scenarios, seed=config.seed)
            done += len(scenarios)
            if progress:
                progress(done, config.scenarios)
        return out
    from dask.distributed import Client, LocalCluster

    cluster = None
    if config.scheduler is None:
        cluster = LocalCluster(n_workers=config.workers, threads_per_worker=1, processes=True)
    with Client(config.scheduler or cluster) as client:
        shared = client.scatter(books, broadcast=True)
        futures = [
            client.submit(lambda bs, b, r: scenario_losses(bs[b], model, r, seed=config.seed), shared, b, r)
            for b, r in pieces
        ]
        for (_, scenarios), part in zip(pieces, client.gather(futures), strict=True):
            out[np.asarray(scenarios)] = part
    if cluster is not None:
        cluster.close()
    return out


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
    books: Book | list[Book],
    config: CreditConfig,
    counts: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CreditResult:
    """Calibrate, then simulate the baseline and (when stressed) the stressed distribution."""
    books = books if isinstance(books, list) else [books]
    book = books[0] if len(books) == 1 else _pooled(books)
    calibration = calibrate(book, config, counts)
    runs = {"baseline": FactorModel(calibration.rho, config.factor_correlation)}
    if config.stressed:
        runs["stressed"] = FactorModel(
            calibration.rho, config.factor_correlation, config.shift(), dict(config.pd_multiplier)
        )
    losses = {name: simulate_losses(books, model, config, progress) for name, model in runs.items()}
    figures = {name: loss_figures(values, book.segments, config.seed) for name, values in losses.items()}
    exposure = float(np.mean([b.exposure.sum() for b in books]))
    return CreditResult(calibration, figures, losses, book.segments, exposure)


def _pooled(books: list[Book]) -> Book:
    """All loans of several books with one segment list (for calibration)."""
    return Book(
        np.concatenate([b.pd for b in books]),
        np.concatenate([b.exposure for b in books]),
        np.concatenate([b.segment for b in books]),
        books[0].segments,
    )
