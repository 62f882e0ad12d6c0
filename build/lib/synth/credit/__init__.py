"""Credit-portfolio losses: correlated defaults of a loan book, calibrated, with intervals.

Stages: :mod:`~synth.credit.book` (loans -> PD, exposure, segment), :mod:`~synth.credit.vasicek`
(closed form and correlation estimate), :mod:`~synth.credit.engine` (scenario losses),
:mod:`~synth.credit.figures` (VaR, ES, contributions, with intervals), :mod:`~synth.credit.run`
(one calibrated run, baseline and stressed) and :mod:`~synth.credit.report`.
"""

from synth.credit.book import BookSpec, PDModel, build_book, default_counts
from synth.credit.engine import Book, FactorModel, scenario_losses
from synth.credit.run import CreditConfig, CreditResult, run_credit
from synth.credit.vasicek import asrf_quantile, estimate_rho

__all__ = [
    "Book",
    "BookSpec",
    "CreditConfig",
    "CreditResult",
    "FactorModel",
    "PDModel",
    "asrf_quantile",
    "build_book",
    "default_counts",
    "estimate_rho",
    "run_credit",
    "scenario_losses",
]
