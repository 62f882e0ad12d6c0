"""``synth bench``: every model on the same split, in one process, measured the same way.

Each model is fitted on the same 80 % training split (seed 0) and draws as many rows as it
trained on, ``draws`` times with different sampling seeds. Figures: fit seconds, sampling rows/s,
Column Shapes and Column Pair Trends (ours, all pairs, and SDMetrics' QualityReport beside them,
first draw only: it is the slowest figure), TSTR ROC-AUC against the real-train score, DCR share
against an equal-size holdout, and the count of synthetic rows identical to a train row (summed
over draws). Figures are means over the draws; TSTR and DCR also get their standard deviation,
because one draw moves them by about 0.003 and 0.005, as much as the gaps between the best
models. Speed is only comparable within one run (shared machines vary ~1.5x between runs).

Copies are rare enough (about one per million rows for the best models on Adult) that the draws
cannot tell two models apart, so each model also draws ``copy_rows`` more rows (a million by
default) for a copy rate per million, beside the real holdout's own rate (its rows equal to a
training row: duplicates in the population). The same rows give a second DCR share, whose
standard error (about 0.0004 over a million rows) is small enough to rank the best models,
which the draws' figure (± 0.002 on Adult) cannot.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.bench.draws import conditional_speed, score_more_rows
from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.datasets import Dataset
from synth.evaluation.detection import detection_score
from synth.evaluation.fidelity import evaluate_fidelity, sdmetrics_quality
from synth.evaluation.utility import tstr_auc
from synth.models import build
from synth.models.base import OWN_MODELS, Progress
from synth.privacy.copies import count_copies
from synth.privacy.distance import dcr_figures, nearest_records
from synth.rules.check import violations
from synth.rules.select import rules_for
from synth.schema import Schema, infer_schema
from synth.split import split


@dataclass
class ModelResult:
    """One row of the benchmark table."""

    model: str
    fit_seconds: float | None = None
    sample_rows_per_second: float | None = None
    column_shapes: float | None = None
    pair_trends: float | None = None
    sdmetrics_shapes: float | None = None
    sdmetrics_trends: float | None = None
    tstr_auc: float | None = None
    tstr_auc_sd: float | None = None
    detection: float | None = None
    detection_sd: float | None = None
    violations_per_10k: float | None = None
    dcr_share: float | None = None
    dcr_share_sd: float | None = None
    copies: int | None = None
    copies_per_million: float | None = None
    more_rows_dcr_share: float | None = None  # over the copy rows
    more_rows_dcr_share_se: float | None = None
    copy_rows: int = 0
    draws: int = 0
    conditional: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    precision: str = "fp32"  # what the model's matrix products ran in
    error: str | None = None


@dataclass
class BenchResult:
    """A whole benchmark run."""

    dataset: str
    source: str
    target: str | None
    rows_train: int
    rows_holdout: int
    real_tstr_auc: float | None
    results: list[ModelResult]
    machine: dict[str, Any]
    real_copies_per_million: float | None = None
    rules: int = 0
    rules_kept: bool = True
    real_detection: float | None = None
    real_violations_per_10k: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def to_markdown(self) -> str:
        """The benchmark table as Markdown, with the notes that say how to read it."""
        draws = max((r.draws for r in self.results), default=0)
        copy_rows = max((r.copy_rows for r in self.results), default=0)
        lines = [
            f"## synth bench: {self.dataset} "
            f"({self.rows_train:,} train / {self.rows_holdout:,} holdout rows)",
            "",
            f"Machine: {self.machine['summary']}. Target: `{self.target}`. "
            f"Means over {draws} sample draw(s); ± is their standard deviation.",
            "",
            "| model | fit s | sample rows/s | shapes | trends (all pairs) | SDMetrics shapes | "
            f"SDMetrics trends | TSTR AUC | detection | rule violations per 10,000 rows | DCR share | "
            f"DCR share, {copy_rows:,} more rows | copies | copies per million rows |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            f"| real training rows | - | - | - | - | - | - | {_fmt(self.real_tstr_auc)} "
            "| - | - | - | - | - | - |",
            f"| real holdout rows | - | - | - | - | - | - | - | {_fmt(self.real_detection)} | "
            f"{_fmt(self.real_violations_per_10k, 1)} | - | - | - | "
            f"{_fmt(self.real_copies_per_million, 0)} |",
            *[_model_row(r) for r in self.results],
        ]
        return "\n".join(lines + self._notes(copy_rows)) + "\n"

    def _notes(self, copy_rows: int) -> list[str]:
        lines = []
        conditional = next((r.conditional for r in self.results if r.conditional), None)
        if conditional:
            lines += [
                "",
                f"Conditional sampling (vae): {conditional['rows']:,} rows fixed to a level of "
                f"`{conditional['column']}` with {conditional['prevalence']:.2%} prevalence: "
                f"{conditional['conditional_rows_per_second']:,.0f} rows/s vs "
                f"{conditional['unconditional_rows_per_second']:,.0f} unconditional "
                f"(x{conditional['slowdown']:.2f}); the first conditional draw of a fitted model "
                f"(it fits the latent proposal) took {conditional.get('first_conditional_seconds', 0):.1f} "
                "s.",
            ]
        lines += [
            "",
            f"Rules: {self.rules} mined from the training rows, "
            + ("kept by every model" if self.rules_kept else "not given to the models (--no-rules)"),
            "(violations count row-rule pairs in each draw, per 10,000 rows; the real holdout's "
            "figure counts its rows against the rules mined from the training rows). Detection: "
            "1 - (2 AUC - 1) of a LightGBM classifier telling a draw from the training rows, 5-fold.",
        ]
        if copy_rows:
            lines += [
                "",
                f"Copies: synthetic rows identical to a training row, summed over the draws; per "
                f"million rows over {copy_rows:,} more rows of each model. The real holdout's "
                "figure is its own rows equal to a training row. The DCR share over the more rows "
                "comes with its standard error.",
            ]
        return lines


def default_bench_models() -> str:
    """SDV's three peers and ours, and MOSTLY AI's TabularARGN where its engine imports."""
    from synth.models.argn import engine_available

    return "gaussian_copula,ctgan,tvae,vae" + (",argn" if engine_available() else "")


def bench_params(
    models: str | None, epochs: int | None, precision: str = "auto", settings: list[str] | None = None
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The models a ``--models`` option names (default: :func:`default_bench_models`) and their
    parameters (``--epochs`` for every deep model, ``--precision`` and ``--set name=value`` for
    ours); one clear error for an unknown name or a bad setting.
    """
    from synth.errors import JobError
    from synth.models.argn import INSTALL_HINT, engine_available
    from synth.models.base import TABULAR_MODELS

    names = [m.strip() for m in (models or default_bench_models()).split(",") if m.strip()]
    unknown = [m for m in names if m not in TABULAR_MODELS]
    if unknown:
        raise JobError(f"--models: unknown model '{unknown[0]}'; choose from {', '.join(TABULAR_MODELS)}")
    if "argn" in names and not engine_available():
        raise JobError(f"--models argn: {INSTALL_HINT}")
    params: dict[str, dict[str, Any]] = {m: {} for m in names}
    for name in names:
        if epochs and name != "gaussian_copula":
            params[name]["epochs"] = epochs
        if name in OWN_MODELS and precision != "auto":
            params[name]["precision"] = precision  # the peers run fp32 on a CPU
        if name in OWN_MODELS and settings:
            params[name].update(_settings(settings))
            build(name, **params[name])  # a bad name or value fails here, not after the peers ran
    return names, {m: p for m, p in params.items() if p}


def _settings(settings: list[str]) -> dict[str, str]:
    """``--set name=value`` options as parameters (the model's config converts the values)."""
    from synth.errors import JobError

    parsed = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            raise JobError(f"--set: expected name=value, got '{setting}'")
        parsed[name.strip()] = value.strip()
    return parsed


def run_bench(
    dataset: Dataset,
    models: list[str],
    *,
    target: str | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    draws: int = 3,
    copy_rows: int = 1_000_000,
    progress: Progress | None = None,
    rules: bool = True,
) -> BenchResult:
    """Fit every model on one split of ``dataset`` and score ``draws`` samples of each, plus a
    copy rate over ``copy_rows`` more rows (0: none).
    """
    target = target or dataset.target
    train, holdout = split(dataset.frame, holdout=0.2, seed=seed)
    schema = rules_for(train, infer_schema(train, table=dataset.name))  # always measured
    given = schema if rules else dataclasses.replace(schema, rules=())  # kept by the models or not
    modelled = [c.name for c in schema.modelled]
    real_auc = tstr_auc(train, holdout, target, seed=seed) if target else None
    results = []
    for name in models:
        model_params = {"seed": seed, **(params or {}).get(name, {})}
        result = ModelResult(name, params=model_params)
        try:
            model, samples = _fit_and_draw(
                result, name, train, holdout, given, draws, copy_rows, seed, progress
            )
        except Exception as error:  # noqa: BLE001 - one failing peer must not sink the bench
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            results.append(result)
            continue
        _score(result, samples, train, holdout, schema, target, seed)
        if name in OWN_MODELS:
            result.conditional = conditional_speed(model, train, schema, seed=seed)
        results.append(result)
    return BenchResult(
        dataset.name,
        dataset.source,
        target,
        len(train),
        len(holdout),
        real_auc,
        results,
        machine_summary(),
        real_copies_per_million=count_copies(holdout, train, modelled) * 1e6 / len(holdout),
        rules=len(schema.rules),
        rules_kept=rules,
        real_detection=detection_score(train, holdout, modelled, seed=seed),
        real_violations_per_10k=1e4
        * sum(violations(holdout, schema.rules, real=True).values())
        / len(holdout),
    )


def _fit_and_draw(result: ModelResult, name, train, holdout, schema, draws, copy_rows, seed, progress):
    """Fit one model and draw ``draws`` samples, timing both; then the copy rate over
    ``copy_rows`` more rows. Fills ``result``'s speed and copy figures; returns the model and samples.
    """
    model = build(name, **result.params)
    started = time.perf_counter()
    model.fit(train, schema, progress=progress)
    result.fit_seconds = time.perf_counter() - started
    result.precision = _precision(model)
    samples, seconds = [], 0.0
    for draw in range(draws):
        started = time.perf_counter()
        samples.append(model.sample(len(train), seed=seed + 1 + draw))
        seconds += time.perf_counter() - started
    result.sample_rows_per_second = draws * len(train) / seconds
    if copy_rows:
        modelled = [c.name for c in schema.modelled]
        more = score_more_rows(
            model, train, holdout, modelled, copy_rows, seed=seed + 1 + draws, reference_seed=seed
        )
        result.copies_per_million, result.copy_rows = more.copies * 1e6 / copy_rows, copy_rows
        result.more_rows_dcr_share, result.more_rows_dcr_share_se = more.dcr_share, more.dcr_share_se
    return model, samples


def _score(
    result: ModelResult,
    samples: list[pd.DataFrame],
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: Schema,
    target: str | None,
    seed: int,
) -> None:
    """Fill ``result``'s quality figures: means over the draws (SDMetrics: the first draw)."""
    modelled = [c.name for c in schema.modelled]
    fidelity = [evaluate_fidelity(train, synthetic, schema) for synthetic in samples]
    result.draws = len(samples)
    result.column_shapes = float(np.mean([f.column_shapes for f in fidelity]))
    result.pair_trends = float(np.mean([f.pair_trends for f in fidelity]))
    quality = sdmetrics_quality(train, samples[0], schema)
    result.sdmetrics_shapes, result.sdmetrics_trends = quality["column_shapes"], quality["pair_trends"]
    if target:
        aucs = [tstr_auc(synthetic, holdout[modelled], target, seed=seed) for synthetic in samples]
        result.tstr_auc, result.tstr_auc_sd = float(np.mean(aucs)), _sd(aucs)
    shares = [
        dcr_figures(nearest_records(synthetic, train[modelled], holdout[modelled], seed=seed))["dcr_share"]
        for synthetic in samples
    ]
    result.dcr_share, result.dcr_share_sd = float(np.mean(shares)), _sd(shares)
    result.copies = sum(count_copies(synthetic, train, modelled) for synthetic in samples)
    scores = [detection_score(train, synthetic, modelled, seed=seed) for synthetic in samples]
    result.detection, result.detection_sd = float(np.mean(scores)), _sd(scores)
    broken = [sum(violations(synthetic, schema.rules).values()) / len(synthetic) for synthetic in samples]
    result.violations_per_10k = 1e4 * float(np.mean(broken))


def _sd(values: list[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def write_bench(result: BenchResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``bench.md`` and ``bench.json`` atomically."""
    payload = json.loads(json.dumps(result.to_dict(), default=str))
    return write_result(result, out_dir, f"bench-{result.dataset}", payload)


def _precision(model) -> str:
    """bf16 when the model is ours and its precision resolved to bf16 on its device, else fp32."""
    from synth.models.runtime import use_bf16

    inner = getattr(model, "inner", model)
    net, config = getattr(inner, "net", None), getattr(inner, "config", None)
    if net is None or not hasattr(config, "precision"):
        return "fp32"
    return "bf16" if use_bf16(config.precision, next(net.parameters()).device) else "fp32"


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _spread(mean, sd, digits: int = 3) -> str:
    return _fmt(mean) if mean is None or sd is None else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def _model_row(r: ModelResult) -> str:
    if r.error:
        return f"| {r.model} | failed: {r.error} |||||||||||"
    return (
        f"| {r.model} ({r.precision}) | {_fmt(r.fit_seconds, 1)} | {_fmt(r.sample_rows_per_second, 0)} | "
        f"{_fmt(r.column_shapes)} | {_fmt(r.pair_trends)} | {_fmt(r.sdmetrics_shapes)} | "
        f"{_fmt(r.sdmetrics_trends)} | {_spread(r.tstr_auc, r.tstr_auc_sd)} | "
        f"{_spread(r.detection, r.detection_sd)} | {_fmt(r.violations_per_10k, 1)} | "
        f"{_spread(r.dcr_share, r.dcr_share_sd)} | "
        f"{_spread(r.more_rows_dcr_share, r.more_rows_dcr_share_se, 4)} | "
        f"{_fmt(r.copies)} | {_fmt(r.copies_per_million, 1)} |"
    )
