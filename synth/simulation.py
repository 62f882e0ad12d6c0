"""Risk simulation: K seeded stress scenarios of N synthetic rows each, drawn in chunks so memory
stays bounded whatever K x N is, written as ``scenario=i/part-CCCCC.parquet``, each measured by
the job's metrics; then a summary table, tail figures (VaR, expected shortfall) and a report.

``flows/simulate.py`` runs :func:`write_scenario` as one Prefect task per scenario on Dask.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth import io, models
from synth.risk import (
    Metric,
    evaluate_metrics,
    parse_metric,
    parse_stress,
    sample_scenario,
    scenario_seed,
    tail_figures,
)

DEFAULT_CHUNK_ROWS = 200_000
PROBE_ROWS = 50_000


@functools.lru_cache(maxsize=4)
def cached_model(model_dir: str, stamp: float):
    """The saved model, loaded once per worker process (keyed by path and modification time)."""
    threads = os.environ.get("SYNTH_WORKER_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    return models.load(Path(model_dir))


def check_specs(model_dir: str, stresses: list[str], metrics: list[str]) -> None:
    """Fail fast, before any scenario runs, on a bad model folder, stress or metric."""
    model = models.load(Path(model_dir))
    for spec in stresses:
        parse_stress(spec, model)
    for spec in metrics:
        parse_metric(spec, model.schema.names)


def scenario_context(model_dir: str, stresses: list[str]) -> dict[str, Any]:
    """Shared, seed-independent inputs of every scenario: the model's class shares and tail
    quantiles that rate and tail stresses are relative to, from one probe draw.
    """
    model = models.load(Path(model_dir))
    context: dict[str, Any] = {"shares": {}, "quantiles": {}}
    probe = None
    for stress in (parse_stress(s, model) for s in stresses):
        if stress.kind in ("rate", "tail") and probe is None:
            probe = model.sample(PROBE_ROWS, seed=2**20)
        if stress.kind == "rate":
            share = probe[stress.column].value_counts(normalize=True)
            context["shares"][stress.column] = {k: float(v) for k, v in share.items()}
        if stress.kind == "tail":
            key = f"{stress.column}|{stress.quantile}"
            context["quantiles"][key] = float(probe[stress.column].quantile(stress.quantile))
    return context


def write_scenario(
    model_dir: str,
    staging: str,
    scenario: int,
    rows: int,
    stresses: list[str],
    metrics: list[str],
    seed: int,
    chunk_rows: int,
    context: dict[str, Any],
) -> dict[str, Any]:
    """Draw, write and measure scenario ``scenario`` (reproducible from (seed, scenario))."""
    model = cached_model(model_dir, Path(model_dir, "model.json").stat().st_mtime)
    parsed = [parse_stress(s, model) for s in stresses]
    parsed_metrics = [parse_metric(m) for m in metrics]
    folder = Path(staging) / f"scenario={scenario}"
    folder.mkdir(parents=True, exist_ok=True)
    shares = {k: pd.Series(v) for k, v in context.get("shares", {}).items()}
    quantiles = {tuple(k.split("|")): v for k, v in context.get("quantiles", {}).items()}
    quantiles = {(c, float(q)): v for (c, q), v in quantiles.items()}
    parts, sizes = [], []
    chunk_seed = scenario_seed(seed, scenario)
    for chunk, start in enumerate(range(0, rows, chunk_rows)):
        size = min(chunk_rows, rows - start)
        frame = sample_scenario(
            model, size, parsed, seed=chunk_seed, scenario=chunk, shares=shares, quantiles=quantiles
        )
        frame.insert(0, "scenario", scenario)
        io.write_parquet(frame, folder / f"part-{chunk:05d}.parquet")
        parts.append(evaluate_metrics(frame, parsed_metrics))
        sizes.append(size)
        del frame
    return {"scenario": scenario, "rows": rows, **_combine(parts, parsed_metrics, sizes)}


def _combine(parts: list[dict[str, float]], metrics: list[Metric], sizes: list[int]) -> dict[str, float]:
    out = {}
    for metric in metrics:
        values = np.array([p[metric.name] for p in parts])
        if metric.aggregate in ("sum", "count"):
            out[metric.name] = float(values.sum())
        elif metric.aggregate == "mean":
            out[metric.name] = float(np.average(values, weights=sizes))
        else:
            out[metric.name] = float(getattr(values, metric.aggregate)())
    return out


def write_summary(staging: Path, results: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """``summary.parquet`` (one row per scenario), ``risk.json`` (the settings and each metric's
    tail figures) and, with any metric, ``report.html``; returns what ``risk.json`` holds.
    """
    summary = pd.DataFrame(sorted(results, key=lambda r: r["scenario"]))
    io.write_parquet(summary, staging / "summary.parquet")
    names = [parse_metric(m).name for m in settings["metrics"]]
    figures = {name: tail_figures(summary[name].to_numpy()) for name in names}
    risk = {**settings, "figures": figures}
    io.write_json(risk, staging / "risk.json")
    if figures:
        from synth.report.plots import loss_plot

        name = next(iter(figures))
        image = loss_plot(summary[name].tolist(), figures[name]["var_99"], figures[name]["es_97_5"])
        io.write_text(risk_html(risk, image), staging / "report.html")
    return risk


def risk_html(risk: dict[str, Any], image: str) -> str:
    """A one-page report: each metric's mean, VaR 99 % and ES 97.5 %, and the first's histogram."""
    from synth.report.pages import render_page

    return render_page("risk.html.j2", risk=risk, image=image)
