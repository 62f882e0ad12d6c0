"""The credit job's own stages: synthetic books drawn and gated, the job's settings as a
simulation config, and what the run writes (a losses table, its manifest entries).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.credit.run import CreditConfig, CreditResult
from synth.privacy import gate as privacy
from synth.risk import parse_stress, sample_scenario


def draw_books(model, rows: int, train, holdout, schema, job) -> tuple[list[pd.DataFrame], dict]:
    """``books`` synthetic loan books, each with its own draw of the composition stresses, each
    through the privacy gate; scenario k is then scored on book k mod books.
    """
    stresses = [parse_stress(s, model) for s in job.credit.stress]
    frames, verdicts = [], []
    for b in range(job.credit.books):
        drawn = sample_scenario(model, rows, stresses, seed=job.seed, scenario=b)
        kept, verdict = privacy.gate(drawn, train, holdout, schema, job.privacy, seed=job.seed + b)
        frames.append(kept)
        verdicts.append(
            {**verdict.to_dict(), "summary": verdict.summary().removeprefix("privacy gate failed: ")}
        )
    return frames, {"passed": all(v["passed"] for v in verdicts), "books": verdicts}


def config_from_job(job) -> CreditConfig:
    """The simulation settings of a ``credit`` job."""
    spec = job.credit
    return CreditConfig(
        spec.scenarios, spec.correlation, spec.estimate_by, spec.factor_correlation, spec.downturn_years,
        spec.factor_shift, dict(spec.pd_multiplier), spec.workers, spec.scheduler, job.seed,
    )  # fmt: skip


def credit_record(job, result: CreditResult) -> dict:
    """The manifest's ``credit`` entry: the portfolio, the stresses asked for, the figures."""
    stress = {
        k: v
        for k, v in job.credit.model_dump().items()
        if k in ("downturn_years", "factor_shift", "pd_multiplier", "stress") and v
    }
    return {"portfolio": job.credit.portfolio, "stress": stress, **result.to_dict()}


def losses_frame(result: CreditResult) -> pd.DataFrame:
    """One row per scenario: total and per-segment losses, baseline and stressed."""
    columns = {"scenario": np.arange(result.figures["baseline"]["scenarios"])}
    for side, values in result.losses.items():
        columns[f"{side}_total"] = values.sum(axis=1)
        for s, name in enumerate(result.segments):
            columns[f"{side}:{name}"] = values[:, s]
    return pd.DataFrame(columns)


def privacy_failure(privacy_record: dict) -> str:
    """One line naming each book that failed the gate, and why."""
    failed = [f"book {b}: {v['summary']}" for b, v in enumerate(privacy_record["books"]) if not v["passed"]]
    return f"privacy gate failed: {' / '.join(failed)}"
