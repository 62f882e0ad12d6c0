"""The verbs a notebook needs, one per stage (``synth/__init__.py`` shows them in order), each a
thin call into the package that owns the stage: nothing here decides anything.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from synth.models.base import Model
from synth.schema import Schema


def fit(
    train: pd.DataFrame, schema: Schema, *, model: str = "vae", rules: bool = True, **params: Any
) -> Model:
    """A fitted model of ``train``; with ``rules`` (the default) the training rows' rules are
    mined into the schema first and the model keeps them while it samples.
    """
    from synth.models.registry import build
    from synth.rules.select import rules_for

    ruled = rules_for(train, schema) if rules else schema
    fitted = build(model, **params)
    fitted.fit(train, ruled)
    return fitted


def gate(synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: Schema, **config: Any):
    """The privacy gate: copies and rare levels removed, then every check; returns the rows that
    may be published and the verdict. ``config``: any ``privacy:`` setting of a job file.
    """
    from synth.privacy.gate import PrivacyConfig
    from synth.privacy.gate import gate as run_gate

    return run_gate(synthetic, train, holdout, schema, PrivacyConfig(**config))


def validate(frame: pd.DataFrame, suite: str):
    """``frame`` against an expectation suite (a name in ``expectations/`` or a JSON path)."""
    from synth.validation.checks import validate_frame
    from synth.validation.suites import load_suite

    return validate_frame(frame, load_suite(suite))


def evaluate(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, seed: int = 0
) -> dict[str, float]:
    """Column shapes, pair trends and the detection score of ``synthetic`` against ``real``."""
    from synth.evaluation.detection import detection_score
    from synth.evaluation.fidelity import evaluate_fidelity

    fidelity = evaluate_fidelity(real, synthetic, schema)
    modelled = [c.name for c in schema.modelled]
    return {
        "column_shapes": fidelity.column_shapes,
        "pair_trends": fidelity.pair_trends,
        "detection": detection_score(real, synthetic, modelled, seed=seed),
    }


def augment(model: Model, real: pd.DataFrame, target: str, *, seed: int = 0, **plan: Any) -> pd.DataFrame:
    """``real`` plus synthetic rows of the classes of ``target`` that ``plan`` boosts
    (``balance=True``, ``ratios={...}`` or ``add=N``), flagged ``is_synthetic``. Not gated:
    pass the synthetic rows through :func:`gate` before publishing them.
    """
    from synth.augmentation import combine, draw, plan_counts

    counts = plan_counts(real[target], **plan)
    return combine(real, draw(model, target, counts, seed=seed).synthetic)


def simulate(
    model: Model, scenarios: int, rows: int, *, stresses: tuple[str, ...] = (), metrics: tuple[str, ...] = (),
    seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """``scenarios`` stressed draws of ``rows`` rows in this process, one row of ``metrics`` each
    (``flows/simulate.py`` runs the same on Dask, in chunks, for tables past memory).
    """
    from synth.risk import evaluate_metrics, parse_metric, parse_stress, sample_scenario

    parsed = [parse_stress(s, model) for s in stresses]
    measured = [parse_metric(m, model.schema.names) for m in metrics]
    out = []
    for scenario in range(scenarios):
        frame = sample_scenario(model, rows, parsed, seed=seed, scenario=scenario)
        out.append({"scenario": scenario, **evaluate_metrics(frame, measured)})
    return pd.DataFrame(out)
