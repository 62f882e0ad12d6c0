"""Risk simulation: thousands of seeded stress scenarios from a fitted model, and the loss
distribution across them.

Scenario ``i`` of a run with seed ``s`` draws from ``SeedSequence([s, i])`` only, so any worker
computes the same scenario. Stress specifications (repeatable, applied in order):

=====================  ================================================================
``COL=VALUE``          segment: every row has ``COL == VALUE`` (conditional sampling)
``COL=VALUE*F``        rate shift: the share of ``COL == VALUE`` rows is multiplied by F
                       (capped at 1); the other rows keep their classes' relative shares
``COL*F``              scale a numeric column by F (e.g. ``loan_amount*1.3``)
``COL>qQ*F``           tail stretch: values above the real Q-quantile move away from it by
                       factor F (``x' = q + (x - q) F``), which draws beyond the observed
                       maximum; Q in (0, 1), e.g. ``loan_amount>q0.95*2``
=====================  ================================================================

Metrics are row expressions (:mod:`synth.expressions`: columns, arithmetic, comparisons, a few
functions; never Python) evaluated per row and aggregated per scenario, e.g.
``loss = sum: loan_amount * (default == 'yes') * 0.45``. Across scenarios each metric gets its
mean, VaR 99 % (the 99th percentile) and Expected Shortfall 97.5 % (mean beyond the 97.5th).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import JobError
from synth.expressions import Expression
from synth.models.base import Synthesizer
from synth.sampling import sample_table
from synth.schema import Kind

_RATE = re.compile(r"^(?P<col>[^=*>]+)=(?P<value>[^*]+)\*(?P<f>[0-9.eE+-]+)$")
_SEGMENT = re.compile(r"^(?P<col>[^=*>]+)=(?P<value>.+)$")
_SCALE = re.compile(r"^(?P<col>[^=*>]+)\*(?P<f>[0-9.eE+-]+)$")
_TAIL = re.compile(r"^(?P<col>[^=*>]+)>q(?P<q>0?\.[0-9]+)\*(?P<f>[0-9.eE+-]+)$")
_AGGREGATES = ("sum", "mean", "max", "min", "count")


@dataclass(frozen=True)
class Stress:
    """One parsed stress specification."""

    kind: str  # segment | rate | scale | tail
    column: str
    value: Any = None
    factor: float = 1.0
    quantile: float | None = None


@dataclass(frozen=True)
class Metric:
    """``name = agg: expression``; the expression is checked against the allow-list of
    :mod:`synth.expressions` when the metric is parsed.
    """

    name: str
    aggregate: str
    expression: str

    def compiled(self, columns: Iterable[str] | None = None) -> Expression:
        """The checked expression (``columns``: refuse names outside them)."""
        return Expression(self.expression, f"metric '{self.name}'", columns)


def parse_stress(spec: str, model: Synthesizer) -> Stress:
    """Parse one ``--stress`` string against the model's schema."""
    spec = spec.strip()
    patterns = (("tail", _TAIL), ("rate", _RATE), ("scale", _SCALE), ("segment", _SEGMENT))
    found = next(((k, p.match(spec)) for k, p in patterns if p.match(spec)), None)
    if found is None:
        raise JobError(f"--stress '{spec}': not one of COL=VALUE, COL=VALUE*F, COL*F, COL>qQ*F")
    kind, match = found
    column = match.group("col").strip()
    if column not in model.schema.names:
        raise JobError(f"--stress '{spec}': column '{column}' is not in the model's schema")
    kind_of = model.schema[column].kind
    numeric = kind_of in (Kind.NUMERIC, Kind.INTEGER)
    if kind in ("scale", "tail") and not numeric:
        raise JobError(f"--stress '{spec}': '{column}' is not numeric")
    factor = float(match.group("f")) if "f" in match.groupdict() else 1.0
    if factor <= 0:
        raise JobError(f"--stress '{spec}': the factor must be positive")
    value = match.groupdict().get("value")
    if value is not None:
        value = _typed(value.strip(), kind_of, spec)
    quantile = float(match.group("q")) if kind == "tail" else None
    if quantile is not None and not 0 < quantile < 1:
        raise JobError(f"--stress '{spec}': the quantile must be in (0, 1)")
    return Stress(kind, column, value, factor, quantile)


def _typed(value: str, kind: Kind, spec: str):
    try:
        if kind is Kind.INTEGER:
            return int(value)
        if kind is Kind.NUMERIC:
            return float(value)
        if kind is Kind.BOOLEAN:
            return value.lower() in ("1", "true", "yes")
    except ValueError:
        raise JobError(f"--stress '{spec}': '{value}' is not a {kind.value} value") from None
    return value


def parse_metric(spec: str, columns: Iterable[str] | None = None) -> Metric:
    """Parse ``name = agg: expression`` (agg: sum, mean, max, min, count); the expression is
    checked now, so a bad metric fails before any worker starts.
    """
    name, sep, rest = spec.partition("=")
    agg, sep2, expression = rest.partition(":")
    if not sep or not sep2 or not name.strip() or agg.strip() not in _AGGREGATES:
        raise JobError(
            f"metric '{spec}': write it as NAME = AGG: EXPRESSION, AGG one of {', '.join(_AGGREGATES)}"
        )
    metric = Metric(name.strip(), agg.strip(), expression.strip())
    metric.compiled(columns)
    return metric


def scenario_seed(seed: int, scenario: int) -> int:
    """The seed of scenario ``scenario``: a function of (seed, scenario) alone."""
    return int(np.random.SeedSequence([seed, scenario]).generate_state(1)[0])


def _marginal(model: Synthesizer, column: str) -> pd.Series:
    """Class shares of a categorical column, estimated from an unconditional sample."""
    sample = model.sample(20_000, seed=12345)[column]
    return sample.value_counts(normalize=True)


def sample_scenario(
    model: Synthesizer,
    rows: int,
    stresses: list[Stress],
    *,
    seed: int,
    scenario: int,
    shares: dict[str, pd.Series] | None = None,
    quantiles: dict[tuple[str, float], float] | None = None,
) -> pd.DataFrame:
    """One stressed scenario of ``rows`` rows."""
    rng = np.random.default_rng(scenario_seed(seed, scenario))
    segments = {s.column: s.value for s in stresses if s.kind == "segment"}
    rates = [s for s in stresses if s.kind == "rate"]
    base_seed = int(rng.integers(0, 2**31 - 1))
    if rates:
        stress = rates[0]  # one rate shift per scenario keeps the conditional sampling exact
        share = (shares or {}).get(stress.column)
        if share is None:
            share = _marginal(model, stress.column)
        target = min(1.0, float(share.get(stress.value, 0.0)) * stress.factor)
        n_hit = int(rng.binomial(rows, target))
        others = share.drop(stress.value, errors="ignore")
        others = others / others.sum() if others.sum() > 0 else others
        labels = np.r_[
            np.full(n_hit, stress.value, dtype=object),
            rng.choice(others.index.to_numpy(dtype=object), rows - n_hit, p=others.to_numpy()),
        ]
        labels = labels[rng.permutation(rows)]
        conditions = pd.DataFrame({stress.column: labels, **{k: [v] * rows for k, v in segments.items()}})
        frame = sample_table(model, rows, seed=base_seed, conditions=conditions)
    else:
        frame = sample_table(model, rows, seed=base_seed, conditions=segments or None)
    for stress in stresses:
        if stress.kind == "scale":
            frame[stress.column] = _keep_dtype(frame[stress.column] * stress.factor, frame[stress.column])
        elif stress.kind == "tail":
            q = (quantiles or {}).get((stress.column, stress.quantile))
            if q is None:
                q = float(frame[stress.column].quantile(stress.quantile))
            x = frame[stress.column]
            stretched = x.where(x <= q, q + (x - q) * stress.factor)
            frame[stress.column] = _keep_dtype(stretched, x)
    return frame


def _keep_dtype(values: pd.Series, like: pd.Series) -> pd.Series:
    if pd.api.types.is_integer_dtype(like):
        return values.round().astype(like.dtype)
    return values.astype(like.dtype)


def evaluate_metrics(frame: pd.DataFrame, metrics: list[Metric]) -> dict[str, float]:
    """Each metric's per-scenario aggregate."""
    out = {}
    for metric in metrics:
        values = metric.compiled().evaluate(frame)
        out[metric.name] = float(getattr(values, metric.aggregate)())
    return out


def tail_figures(values: np.ndarray) -> dict[str, float]:
    """Mean, VaR 99 % and Expected Shortfall 97.5 % of a loss distribution."""
    values = np.sort(np.asarray(values, dtype=float))
    var = float(np.quantile(values, 0.99))
    cut = np.quantile(values, 0.975)
    es = float(values[values >= cut].mean())
    return {"mean": float(values.mean()), "std": float(values.std()), "var_99": var, "es_97_5": es}
