"""The ``simulate`` flow: K seeded stress scenarios as Prefect tasks, on Dask.

Each scenario is one task (``synth.simulation.write_scenario``): it loads the saved model once
per worker process, draws its rows in chunks and returns its metrics. The task runner is
prefect-dask's ``DaskTaskRunner``: a ``LocalCluster`` with ``workers`` processes by default, or
an existing cluster's scheduler address. The dataset is assembled in a temporary sibling folder
and swapped into place at the end, so a rerun leaves identical files and no stale partitions.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.artifacts import publish_artifacts
from flows.tasks import fit_model, infer, learn_rules, read_input, split_holdout, validate_input
from synth import io
from synth.pipeline.records import model_record
from synth.pipeline.run import Run, RunResult
from synth.simulation import DEFAULT_CHUNK_ROWS, check_specs, scenario_context, write_scenario, write_summary

run_scenario = task(name="scenario", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])(
    write_scenario
)


def task_runner(workers: int = 2, address: str | None = None):
    """prefect-dask's runner: an existing scheduler, or a LocalCluster of ``workers`` processes."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    env = {"SYNTH_WORKER_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                        "dashboard_address": None, "env": env},
    )  # fmt: skip


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
    check_specs(model_dir, stresses, metrics)
    with io.atomic_folder(Path(out_dir)) as staging:
        context = scenario_context(model_dir, stresses)
        futures = [
            run_scenario.submit(
                model_dir, str(staging), i, rows, stresses, metrics, seed, chunk_rows, context
            )
            for i in range(scenarios)
        ]
        settings = {"scenarios": scenarios, "rows_per_scenario": rows, "seed": seed,
                    "stresses": stresses, "metrics": metrics}  # fmt: skip
        risk = write_summary(staging, [f.result() for f in futures], settings)
    return {**risk, "seconds": time.perf_counter() - started, "rows_written": scenarios * rows}


@flow(name="simulate-job", log_prints=False)
def simulate_job(job, progress=None) -> RunResult:
    """A ``simulate`` job: fit (or reuse, by input fingerprint) the model, then the scenarios."""
    spec = job.simulate
    table = read_input(job)
    schema = infer(table, job)
    with Run.start(job) as run:
        validate_input(table, schema, job, run.path("validation"), run.docs)
        train, _ = split_holdout(table.frame, job)
        schema = learn_rules(train, schema, job)
        fitted = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint)
        metrics = [f"{name} = {expression}" for name, expression in spec.metrics.items()]
        result = simulate.with_options(task_runner=task_runner(spec.workers, spec.scheduler))(
            str(run.path("model").resolve()), str(run.path("scenarios")), spec.scenarios, spec.rows,
            spec.stress, metrics, job.seed, spec.chunk_rows,
        )  # fmt: skip
        run.timings["simulate"] = result["seconds"]
        manifest = run.manifest(
            outputs=("scenarios", "summary", "model"),
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={"input": len(table.frame), "train": len(train), "scenario_rows": result["rows_written"]},
            model=model_record(fitted.model, fitted.reused_from),
            risk=result["figures"],
        )
        run.write("manifest", manifest)
        run_dir = run.close(True)
    publish_artifacts(manifest, run_dir)
    return RunResult(run_dir, manifest, {"simulate": result["seconds"]})


def run_scenarios(model_dir: str, out_dir: str, scenarios: int, rows: int, *, stresses=(), metrics=(),
                  seed: int = 0, chunk_rows: int = DEFAULT_CHUNK_ROWS, workers: int = 2,
                  scheduler: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The ``simulate`` flow on its Dask runner (``workers`` local processes, or ``scheduler``)."""
    runner = task_runner(workers, scheduler)
    return simulate.with_options(task_runner=runner)(
        model_dir, out_dir, scenarios, rows, list(stresses), list(metrics), seed, chunk_rows
    )
