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
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.datasets import Dataset
from synth.evaluation.detection import detection_score
from synth.evaluation.fidelity import evaluate_fidelity, sdmetrics_quality
from synth.evaluation.utility import tstr_auc
from synth.models import build
from synth.models.base import Progress
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
        """The benchmark table as Markdown."""

        def fmt(value, digits=3):
            return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)

        def spread(mean, sd, digits=3):
            return fmt(mean) if mean is None or sd is None else f"{mean:.{digits}f} ± {sd:.{digits}f}"

        conditional = next((r.conditional for r in self.results if r.conditional), None)
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
            f"| real training rows | - | - | - | - | - | - | {fmt(self.real_tstr_auc)} "
            "| - | - | - | - | - | - |",
            f"| real holdout rows | - | - | - | - | - | - | - | {fmt(self.real_detection)} | "
            f"{fmt(self.real_violations_per_10k, 1)} | - | - | - | {fmt(self.real_copies_per_million, 0)} |",
        ]
        for r in self.results:
            if r.error:
                lines.append(f"| {r.model} | failed: {r.error} |||||||||||")
                continue
            lines.append(
                f"| {r.model} | {fmt(r.fit_seconds, 1)} | {fmt(r.sample_rows_per_second, 0)} | "
                f"{fmt(r.column_shapes)} | {fmt(r.pair_trends)} | {fmt(r.sdmetrics_shapes)} | "
                f"{fmt(r.sdmetrics_trends)} | {spread(r.tstr_auc, r.tstr_auc_sd)} | "
                f"{spread(r.detection, r.detection_sd)} | {fmt(r.violations_per_10k, 1)} | "
                f"{spread(r.dcr_share, r.dcr_share_sd)} | "
                f"{spread(r.more_rows_dcr_share, r.more_rows_dcr_share_se, 4)} | "
                f"{fmt(r.copies)} | {fmt(r.copies_per_million, 1)} |"
            )
        if conditional:
            lines += [
                "",
                f"Conditional sampling (vae): {conditional['rows']:,} rows fixed to a level of "
                f"`{conditional['column']}` with {conditional['prevalence']:.2%} prevalence: "
                f"{conditional['conditional_rows_per_second']:,.0f} rows/s vs "
                f"{conditional['unconditional_rows_per_second']:,.0f} unconditional "
                f"(x{conditional['slowdown']:.2f}).",
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
        return "\n".join(lines) + "\n"


def machine_summary() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    summary = f"{platform.machine()}, {cores} CPU cores, torch {torch.__version__}"
    return {
        "cores": cores,
        "gpu": gpu,
        "summary": summary + (f", GPU {gpu}" if gpu else ", no GPU"),
    }


def default_bench_models() -> str:
    """SDV's three peers and ours, and MOSTLY AI's TabularARGN where its engine imports."""
    from synth.models.argn import engine_available

    return "gaussian_copula,ctgan,tvae,vae" + (",argn" if engine_available() else "")


def bench_params(models: str | None, epochs: int | None) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The models a ``--models`` option names (default: :func:`default_bench_models`) and their
    parameters (``--epochs`` for every deep model); one clear error for an unknown name.
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
    return names, {m: {"epochs": epochs} for m in names if epochs and m != "gaussian_copula"}


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
            model = build(name, **model_params)
            started = time.perf_counter()
            model.fit(train, given, progress=progress)
            result.fit_seconds = time.perf_counter() - started
            samples, seconds = [], 0.0
            for draw in range(draws):
                started = time.perf_counter()
                samples.append(model.sample(len(train), seed=seed + 1 + draw))
                seconds += time.perf_counter() - started
            result.sample_rows_per_second = draws * len(train) / seconds
            if copy_rows:
                more = score_more_rows(
                    model, train, holdout, modelled, copy_rows, seed=seed + 1 + draws, reference_seed=seed
                )
                result.copies_per_million, result.copy_rows = more.copies * 1e6 / copy_rows, copy_rows
                result.more_rows_dcr_share, result.more_rows_dcr_share_se = more.dcr_share, more.dcr_share_se
        except Exception as error:  # noqa: BLE001 - one failing peer must not sink the bench
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            results.append(result)
            continue
        _score(result, samples, train, holdout, schema, target, seed)
        if name == "vae":
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


@dataclass(frozen=True)
class MoreRows:
    """Figures over many fresh rows: copies of training rows, and a DCR share with its standard
    error (each row's share over the training partitions is one observation).
    """

    copies: int
    dcr_share: float
    dcr_share_se: float


def score_more_rows(
    model,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    columns: list[str],
    rows: int,
    *,
    seed: int,
    reference_seed: int = 0,
    chunk: int = 200_000,
) -> MoreRows:
    """Copies and DCR share over ``rows`` fresh synthetic rows, drawn in chunks (each with its
    own seed from ``seed`` on) so memory stays bounded by the chunk. The DCR share is scored
    against the draws' training partitions and holdout sample (``nearest_records`` with
    ``reference_seed``).
    """
    copies, count, total, total_sq = 0, 0, 0.0, 0.0
    for i, start in enumerate(range(0, rows, chunk)):
        synthetic = model.sample(min(chunk, rows - start), seed=seed + i)
        copies += count_copies(synthetic, train, columns)
        records = nearest_records(synthetic, train[columns], holdout[columns], seed=reference_seed)
        per_row = records.closer_to_train
        count, total, total_sq = count + len(per_row), total + per_row.sum(), total_sq + (per_row**2).sum()
    mean = total / count
    se = float(np.sqrt(max(total_sq / count - mean**2, 0.0) / max(count - 1, 1)))
    return MoreRows(copies, float(mean), se)


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


def conditional_speed(
    model, train: pd.DataFrame, schema, *, seed: int = 0, rows: int = 10_000
) -> dict[str, Any]:
    """Sampling rows/s, unconditional vs fixed to the categorical level nearest 1 % prevalence."""
    best = None
    for column in schema.modelled:
        if column.kind.value != "categorical":
            continue
        shares = train[column.name].value_counts(normalize=True)
        for level, share in shares.items():
            if best is None or abs(share - 0.01) < abs(best[2] - 0.01):
                best = (column.name, level, float(share))
    if best is None:
        return {}
    column, level, share = best
    timings = {}
    for label, conditions in (("unconditional", None), ("conditional", {column: level})):
        started = time.perf_counter()
        out = model.sample(rows, conditions, seed=seed)
        timings[label] = rows / (time.perf_counter() - started)
        if conditions and not (out[column] == level).all():
            raise RuntimeError(f"conditional sampling returned rows outside {column}={level!r}")
    return {
        "column": column,
        "prevalence": share,
        "rows": rows,
        "unconditional_rows_per_second": timings["unconditional"],
        "conditional_rows_per_second": timings["conditional"],
        "slowdown": timings["unconditional"] / timings["conditional"],
    }


def write_bench(result: BenchResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``bench.md`` and ``bench.json`` atomically."""
    from synth.io import write_json, write_text

    out_dir = Path(out_dir)
    md = write_text(result.to_markdown(), out_dir / f"bench-{result.dataset}.md")
    js = write_json(
        json.loads(json.dumps(result.to_dict(), default=str)),
        out_dir / f"bench-{result.dataset}.json",
    )
    return md, js
