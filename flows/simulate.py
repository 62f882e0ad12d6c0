"""The ``simulate`` flow: K seeded stress scenarios as Prefect tasks, on Dask.

Each scenario is one task: it loads the saved model (once per worker process), draws its rows in
chunks of ``chunk_rows`` so memory stays bounded whatever K x N is, writes
``scenario=i/part-CCCCC.parquet`` and returns its metrics. The task runner is prefect-dask's
``DaskTaskRunner``: a ``LocalCluster`` with ``workers`` processes by default, or an existing
cluster's scheduler address. The whole dataset is assembled in a temporary sibling folder and
swapped into place at the end, so a rerun leaves identical files and no stale partitions.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

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


@functools.lru_cache(maxsize=4)
def _model(model_dir: str, stamp: float):
    """The saved model, loaded once per worker process (keyed by path and modification time)."""
    threads = os.environ.get("SYNTH_WORKER_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    return models.load(Path(model_dir))


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


@task(name="scenario", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def run_scenario(
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
    model = _model(model_dir, Path(model_dir, "model.json").stat().st_mtime)
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


def _context(model_dir: str, stresses: list[str]) -> dict[str, Any]:
    """Shared, seed-independent inputs of every scenario (class shares, real tail quantiles)."""
    model = models.load(Path(model_dir))
    parsed = [parse_stress(s, model) for s in stresses]
    context: dict[str, Any] = {"shares": {}, "quantiles": {}}
    probe = None
    for stress in parsed:
        if stress.kind in ("rate", "tail") and probe is None:
            probe = model.sample(50_000, seed=2**20)
        if stress.kind == "rate":
            share = probe[stress.column].value_counts(normalize=True)
            context["shares"][stress.column] = {k: float(v) for k, v in share.items()}
        if stress.kind == "tail":
            key = f"{stress.column}|{stress.quantile}"
            context["quantiles"][key] = float(probe[stress.column].quantile(stress.quantile))
    return context


def task_runner(workers: int = 2, address: str | None = None):
    """prefect-dask's runner: an existing scheduler, or a LocalCluster of ``workers`` processes."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "env": {"SYNTH_WORKER_THREADS": "1", "OMP_NUM_THREADS": "1"},
        },
    )


@flow(name="simulate", log_prints=False)
def simulate(
    model_dir: str,
    out_dir: str,
    scenarios: int,
    rows: int,
    stresses: list[str] | None = None,
    metrics: list[str] | None = None,
    seed: int = 0,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> dict[str, Any]:
    """Run every scenario, write the partitioned dataset, a summary table and tail figures."""
    started = time.perf_counter()
    stresses, metrics = list(stresses or []), list(metrics or [])
    model = models.load(Path(model_dir))  # fail fast, in the flow, on a bad folder or spec
    for spec in stresses:
        parse_stress(spec, model)
    for spec in metrics:
        parse_metric(spec, model.schema.names)
    with io.atomic_folder(Path(out_dir)) as staging:
        context = _context(model_dir, stresses)
        futures = [
            run_scenario.submit(
                model_dir, str(staging), i, rows, stresses, metrics, seed, chunk_rows, context
            )
            for i in range(scenarios)
        ]
        results = sorted((f.result() for f in futures), key=lambda r: r["scenario"])
        summary = pd.DataFrame(results)
        io.write_parquet(summary, staging / "summary.parquet")
        figures = {
            name: tail_figures(summary[name].to_numpy()) for name in (parse_metric(m).name for m in metrics)
        }
        elapsed = time.perf_counter() - started
        risk = {
            "scenarios": scenarios,
            "rows_per_scenario": rows,
            "seed": seed,
            "stresses": stresses,
            "metrics": metrics,
            "figures": figures,
        }
        io.write_json(risk, staging / "risk.json")
        if figures:
            from synth.report.plots import loss_plot

            name = next(iter(figures))
            image = loss_plot(summary[name].tolist(), figures[name]["var_99"], figures[name]["es_97_5"])
            io.write_text(_risk_html(risk, image), staging / "report.html")
    return {**risk, "seconds": elapsed, "rows_written": scenarios * rows}


def _risk_html(risk: dict[str, Any], image: str) -> str:
    rows = "".join(
        f"<tr><td>{name}</td><td>{f['mean']:,.2f}</td><td>{f['var_99']:,.2f}</td><td>{f['es_97_5']:,.2f}</td></tr>"
        for name, f in risk["figures"].items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>synth risk simulation</title></head>"
        "<body style='font-family:system-ui;max-width:900px;margin:2rem auto'>"
        f"<h1>Risk simulation: {risk['scenarios']} scenarios x {risk['rows_per_scenario']:,} rows</h1>"
        f"<p>seed {risk['seed']}; stresses: {', '.join(risk['stresses']) or 'none'}</p>"
        "<table border=1 cellpadding=4><tr><th>metric</th><th>mean</th><th>VaR 99 %</th>"
        f"<th>ES 97.5 %</th></tr>{rows}</table>"
        f"<img class='plot' alt='loss distribution' src='data:image/png;base64,{image}'></body></html>"
    )


@flow(name="simulate-job", log_prints=False)
def simulate_job(job, progress=None):
    """A ``simulate`` job: fit (or reuse, by input fingerprint) the model, then the scenarios."""
    from flows.pipeline import (
        RunResult,
        fit_model,
        infer,
        learn_rules,
        publish_artifacts,
        read_input,
        split_holdout,
        validate_input,
    )
    from synth.manifest import build_manifest
    from synth.runs import RunFolder

    spec = job.simulate
    table = read_input(job)
    schema = infer(table, job)
    run = RunFolder.create(job.output_dir())
    try:
        validate_input(table, schema, job, run)
        train, _ = split_holdout(table.frame, job)
        schema = learn_rules(train, schema, job)
        model = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint)
        metrics = [f"{name} = {expression}" for name, expression in spec.metrics.items()]
        result = simulate.with_options(task_runner=task_runner(spec.workers, spec.scheduler))(
            str(run.path("model").resolve()),
            str(run.path("scenarios")),
            spec.scenarios,
            spec.rows,
            spec.stress,
            metrics,
            job.seed,
            spec.chunk_rows,
        )
        manifest = build_manifest(
            job=job.model_dump(mode="json", by_alias=True),
            run_id=run.run_id,
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={"input": len(table.frame), "train": len(train), "scenario_rows": result["rows_written"]},
            model={
                "name": model.name,
                "params": model.params(),
                "reused_from": getattr(model, "reused_from", None),
            },
            seed=job.seed,
            timings={"simulate": result["seconds"]},
            outputs={"scenarios": "scenarios/", "summary": "scenarios/summary.parquet", "model": "model/"},
            extra={"risk": result["figures"]},
        )
        io.write_json(manifest, run.path("manifest.json"))
        run_dir = run.publish()
    except BaseException:
        run.discard()
        raise
    publish_artifacts(manifest, run_dir)
    return RunResult(run_dir, manifest, {"simulate": result["seconds"]})


def benchmark(model_dir: str, out_dir: str, scenarios: int, rows: int, workers: list[int]) -> list[dict]:
    """Scenarios/s and rows/s written with each worker count, and peak resident memory of the
    whole process tree (flow process + Dask workers), sampled every 0.2 s.
    """
    import threading

    import psutil

    results = []
    for n in workers:
        me = psutil.Process()
        peak = [0]
        done = threading.Event()

        def watch(me=me, peak=peak, done=done) -> None:
            while not done.is_set():
                total = 0
                for proc in [me, *me.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
                done.wait(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        result = simulate.with_options(task_runner=task_runner(n))(
            model_dir, f"{out_dir}/workers-{n}", scenarios, rows, [], [], 0, DEFAULT_CHUNK_ROWS
        )
        done.set()
        watcher.join()
        results.append(
            {
                "workers": n,
                "scenarios": scenarios,
                "rows_per_scenario": rows,
                "seconds": result["seconds"],
                "scenarios_per_second": scenarios / result["seconds"],
                "rows_per_second": result["rows_written"] / result["seconds"],
                "peak_rss_gib": peak[0] / 2**30,
            }
        )
    return results
