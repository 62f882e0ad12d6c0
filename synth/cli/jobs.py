"""Commands that run a job through its Prefect flow: ``run`` (any job file), ``augment``,
``simulate`` and ``serve`` (the scheduled jobs).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

from synth.cli.app import app
from synth.cli.console import out, positive, progress_bar, quiet_prefect_tracebacks, starting
from synth.cli.prefect_server import TemporaryServer
from synth.cli.summary import print_summary
from synth.errors import JobError
from synth.limits import check_seed
from synth.pipeline.flows import flow
from synth.resources import bundled

DEMO_JOB = bundled("data", "jobs", "adult.yaml")
RUN_PRELOAD = (
    "torch",
    "great_expectations",
    "synth.privacy.gate",
    "synth.evaluation.detection",
    "torch._dynamo",
)
"""What every run imports: loaded while Prefect's temporary server starts. ``torch._dynamo``:
torch's optimizers import it at their first step, seconds of a fit's first epoch.
"""


@app.command()
def run(
    job_file: Annotated[Path | None, typer.Argument(help="Job YAML; default: the bundled demo job.")] = None,
) -> None:
    """Run one job through the Prefect flow: read, infer, split, fit, sample, write."""
    with TemporaryServer() as server:
        with starting(server.starting):
            from synth.jobs import load_job

            job = load_job(job_file or DEMO_JOB)
            run_flow = flow(job.type)
            _prepare(server)
        quiet_prefect_tracebacks()
        with progress_bar() as progress, server.flow_settings():
            result = run_flow(job, progress=progress)
    print_summary(result)


def _prepare(server: TemporaryServer) -> None:
    """What a run needs before its flow's first call, done while Prefect's server starts: the
    run's libraries imported.
    """
    for module in RUN_PRELOAD:
        import_module(module)
    server.wait()


@app.command()
def augment(
    source: Annotated[str, typer.Argument(help="CSV file, Parquet file/folder, or SQLAlchemy URL.")],
    target: Annotated[str, typer.Option(help="The class column to boost.")],
    out_file: Annotated[Path, typer.Option("--out", help="Parquet file: real + synthetic rows.")],
    balance: Annotated[
        bool, typer.Option("--balance", help="Bring every class to the majority's count.")
    ] = False,
    ratio: Annotated[
        list[str] | None, typer.Option(help="VALUE=R: class VALUE ends at R x the majority.")
    ] = None,
    add: Annotated[int | None, typer.Option(help="Add N rows, shared by the classes' shortfall.")] = None,
    model: Annotated[str, typer.Option(help="Generator (vae, or an SDV model).")] = "vae",
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write the lift report (Markdown) here.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds for the lift report.")] = 3,
    suite: Annotated[str | None, typer.Option(help="Expectation suite for input and output.")] = None,
    attack_risk_max: Annotated[
        float, typer.Option(help="Privacy gate: bound on the attacks' upper 95 % risk.")
    ] = 0.09,
    table: Annotated[str | None, typer.Option(help="SQL table to read.")] = None,
    query: Annotated[str | None, typer.Option(help="SQL query to read.")] = None,
    runs: Annotated[
        Path, typer.Option(help="Where the run folder is published (manifest, report, verdicts).")
    ] = Path("output/augment"),
) -> None:
    """Real rows plus synthetic rows of the boosted classes, flagged is_synthetic.

    The run is published under --runs like any job's, and --out gets a copy of its table.
    """
    from synth.augmentation import augment_job, export_outputs, parse_ratios

    positive(add, "--add")
    positive(epochs, "--epochs")
    check_seed(seed)
    spec = {"target": target, "balance": balance, "ratio": parse_ratios(ratio or []) or None, "add": add,
            "lift": report is not None, "seeds": seeds}  # fmt: skip
    source_spec = {"path": source, "table": table, "query": query}
    with TemporaryServer() as server:
        with starting(server.starting):
            job = augment_job(
                source_spec, spec, model, epochs, seed, suite, attack_risk_max, output=str(runs)
            )
            run_flow = flow("augment")
            _prepare(server)
        quiet_prefect_tracebacks()
        with progress_bar() as progress, server.flow_settings():
            result = run_flow(job, progress=progress)
    export_outputs(result.run_dir, out_file, report)
    print_summary(result)
    if report is not None:
        out.print(report.read_text())
    counts = result.manifest["augment"]["class_counts"]
    out.print(f"wrote {result.manifest['rows']['augmented']:,} rows to {out_file}: {counts}")


@app.command()
def simulate(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by 'synth fit'.")],
    scenarios: Annotated[int, typer.Option(help="Number of scenarios (K).")],
    rows: Annotated[int, typer.Option(help="Rows per scenario (N).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for scenario=i/part-*.parquet.")],
    stress: Annotated[
        list[str] | None, typer.Option(help="COL=VALUE, COL=VALUE*F, COL*F or COL>qQ*F.")
    ] = None,
    metric: Annotated[list[str] | None, typer.Option(help="NAME = AGG: EXPRESSION (per scenario).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; scenario i depends on (seed, i) only.")] = 0,
    workers: Annotated[int, typer.Option(help="Dask LocalCluster worker processes.")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Address of an existing Dask scheduler.")] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows drawn and written per chunk.")] = 200_000,
) -> None:
    """Seeded stress scenarios in parallel on Dask, with VaR and Expected Shortfall."""
    from synth.simulation import check_specs

    for value, option in ((scenarios, "--scenarios"), (rows, "--rows"), (workers, "--workers"),
                          (chunk_rows, "--chunk-rows")):  # fmt: skip
        positive(value, option)
    check_seed(seed)
    check_specs(str(model_dir), stress or [], metric or [])
    with TemporaryServer() as server:
        with starting(server.starting):
            run_scenarios = flow("scenarios")
            server.wait()
        quiet_prefect_tracebacks()
        with server.flow_settings():
            result = run_scenarios(
                str(model_dir.resolve()), str(out_dir), scenarios, rows, stresses=stress or [],
                metrics=metric or [], seed=seed, chunk_rows=chunk_rows, workers=workers, scheduler=scheduler,
            )  # fmt: skip
    for name, f in result["figures"].items():
        out.print(f"{name}: mean {f['mean']:,.2f}  VaR 99% {f['var_99']:,.2f}  ES 97.5% {f['es_97_5']:,.2f}")
    out.print(
        f"wrote {scenarios} scenarios x {rows:,} rows to {out_dir} in {result['seconds']:.1f} s "
        f"({result['rows_written'] / result['seconds']:,.0f} rows/s)"
    )


@app.command()
def serve(
    jobs: Annotated[Path | None, typer.Option(help="Folder of job files (default flows/jobs).")] = None,
) -> None:
    """Serve the scheduled job files on their cron, and one request deployment per job type."""
    folder = jobs or flow("jobs-folder")()
    if not Path(folder).is_dir():
        raise JobError(f"{folder}: not a folder of job files")
    for deployment in flow("deployments")(folder):
        out.print(f"serving {deployment.name}: {deployment.schedules[0].schedule.cron}")
    for deployment in flow("requests")(folder):
        out.print(f"serving {deployment.name}: on request, its parameter the whole job (a form in the UI)")
    flow("serve")(folder)
