"""The ``synth`` command line: parses arguments, calls the library, prints. No logic lives here.

A :class:`~synth.errors.SynthError` prints as one line on stderr with a non-zero exit and no
traceback; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from synth.errors import JobError, SynthError
from synth.limits import check_rows, check_seed
from synth.resources import bundled

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Synthetic data from real tables: fit, sample, validate, check privacy, benchmark.",
)
err = Console(stderr=True)
out = Console()
# A temporary Prefect server on a busy 2-core machine can take longer than Prefect's 20 s default
# to answer; a run must not fail for that (users can still set their own value).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# SDV's tqdm bars would interleave with ours and land in logs; our own bars show progress.
os.environ.setdefault("TQDM_DISABLE", "1")

DEMO_JOB = bundled("data", "jobs", "adult.yaml")


@contextmanager
def _progress_bar():
    """A rich progress bar fed by models' ``(stage, done, total)`` callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal and "SYNTH_PROGRESS" not in os.environ,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


def _synth_error_names() -> set[str]:
    import synth.errors as errors

    return {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, SynthError)
    }


class _NoTracebackForSynthErrors(logging.Filter):
    """Prefect logs a failed run's exception with its traceback; ours are one-line messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SynthError):
            record.exc_info, record.exc_text = None, None
            record.msg, record.args = record.getMessage().split("\nTraceback")[0], ()
        return True


class _NoSynthErrorsOnConsole(logging.Filter):
    """On the terminal a SynthError is the one ``error:`` line main() prints; Prefect's own
    lines about the same failure (task failed, flow failed, final state) would repeat it.
    Only the console handler is filtered: Prefect's UI and API still get those records.
    """

    _NAMES = re.compile(r"\b(" + "|".join(sorted(_synth_error_names())) + r")\b[(:]")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SynthError):
            return False
        return not self._NAMES.search(record.getMessage())


def _quiet_prefect_tracebacks() -> None:
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    for name in ("prefect.flow_runs", "prefect.task_runs", "prefect.flow_engine", "prefect.task_engine"):
        logging.getLogger(name).addFilter(_NoTracebackForSynthErrors())
    ensure_logging_setup()
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                handler.addFilter(_NoSynthErrorsOnConsole())


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"synth {version('synth')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Synthetic data from real tables: fit, sample, validate, check privacy, benchmark."""


def _read(source):
    """Read a table, printing what was read other than as written (one note per column)."""
    from synth import io

    table = io.read(source)
    for note in table.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    return table


def _positive(value: int | None, option: str) -> None:
    if value is not None and value < 1:
        raise JobError(f"{option} must be a positive integer, got {value}")


@app.command()
def run(
    job_file: Annotated[Path | None, typer.Argument(help="Job YAML; default: the bundled demo job.")] = None,
) -> None:
    """Run one job through the Prefect flow: read, infer, split, fit, sample, write."""
    from synth.jobs import load_job

    job = load_job(job_file or DEMO_JOB)
    _quiet_prefect_tracebacks()
    from flows.serve import flow_for

    run_flow = flow_for(job)
    with _progress_bar() as progress:
        result = run_flow(job, progress=progress)
    _summary(result)


def _summary(result) -> None:
    from rich.table import Table

    manifest = result.manifest
    table = Table(
        title=f"synth run · {manifest['job']['name']} ({manifest['job']['type']})", show_header=False
    )
    table.add_row("run folder", str(result.run_dir))
    table.add_row("input", manifest["input"]["source"])
    reused = manifest["model"].get("reused_from")
    if "name" in manifest["model"]:
        table.add_row(
            "model",
            f"{manifest['model']['name']} (seed {manifest['seed']})"
            + (f", reused from {reused}" if reused else ""),
        )
    for name, value in manifest["rows"].items():
        table.add_row(f"rows: {name}", f"{value:,}")
    for name, value in manifest.get("fidelity", {}).items():
        table.add_row(name.replace("_", " "), f"{value:.4f}")
    for name, figures in manifest.get("risk", {}).items():
        table.add_row(
            f"{name}: mean / VaR 99% / ES 97.5%",
            " / ".join(f"{figures[k]:,.0f}" for k in ("mean", "var_99", "es_97_5")),
        )
    if "credit" in manifest:
        _credit_rows(table, manifest["credit"])
    if "privacy" in manifest:
        table.add_row("privacy gate", "pass" if manifest["privacy"]["passed"] else "FAIL")
    if "quality" in manifest:
        table.add_row("quality floor", "pass" if manifest["quality"]["passed"] else "FAIL")
    if "rules" in manifest:
        rules = manifest["rules"]
        table.add_row("rules", f"{len(rules['rules'])} kept, {rules['violations']:,} violations")
    for side, verdict in manifest.get("validation", {}).items():
        table.add_row(f"{side} validation", "pass" if verdict["success"] else "FAIL")
    for output in ("report", "lift"):
        if (result.run_dir / manifest["outputs"].get(output, "-")).is_file():
            table.add_row(output, str(result.run_dir / manifest["outputs"][output]))
    for stage, seconds in manifest["timings_seconds"].items():
        table.add_row(f"time: {stage}", f"{seconds:.1f} s")
    out.print(table)


def _credit_rows(table, credit: dict) -> None:
    calibration = credit["calibration"]
    interval = f" [{calibration['low']:.3f}, {calibration['high']:.3f}]" if "low" in calibration else ""
    table.add_row("asset correlation", f"{calibration['rho']:.3f}{interval} ({calibration['method']})")
    for side, figures in credit["figures"].items():
        for key, label in (("mean", "mean"), ("var_99_9", "VaR 99.9%"), ("es_97_5", "ES 97.5%")):
            f = figures[key]
            flag = " (!)" if f.get("warning") else ""
            table.add_row(f"{side} {label}", f"{f['value']:,.0f} [{f['low']:,.0f}, {f['high']:,.0f}]{flag}")


@app.command()
def fit(
    source: Annotated[str, typer.Argument(help="CSV file, Parquet file/folder, or SQLAlchemy URL.")],
    model: Annotated[
        str, typer.Option(help="gaussian_copula, ctgan, tvae, vae, sequence, or argn when installed.")
    ] = "vae",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to save the fitted model in.")] = Path(
        "model"
    ),
    epochs: Annotated[int | None, typer.Option(help="Training epochs (deep models).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    table: Annotated[str | None, typer.Option(help="SQL table to read.")] = None,
    query: Annotated[str | None, typer.Option(help="SQL query to read.")] = None,
    drop: Annotated[list[str] | None, typer.Option(help="Column to leave out (repeatable).")] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of a CSV file.")] = "utf-8",
    device: Annotated[str | None, typer.Option(help="vae and sequence: auto, cpu or cuda.")] = None,
    precision: Annotated[
        str | None, typer.Option(help="vae: auto (bf16 on GPUs and AMX CPUs), fp32 or bf16.")
    ] = None,
    entity_key: Annotated[str | None, typer.Option(help="sequence: the entity (account) key.")] = None,
    time_column: Annotated[str | None, typer.Option(help="sequence: the event time column.")] = None,
    context: Annotated[
        str | None, typer.Option(help="sequence: one row per entity (CSV, Parquet or SQL URL).")
    ] = None,
    context_table: Annotated[str | None, typer.Option(help="sequence: SQL table of the context.")] = None,
) -> None:
    """Fit a model on a real table (or, with --model sequence, on events) and save it."""
    from synth import io, models
    from synth.schema import ColumnOverride, Kind, infer_schema

    _positive(epochs, "--epochs")
    check_seed(seed)
    params = {"seed": seed}
    if epochs is not None:
        params["epochs"] = epochs
    if device is not None:
        params["device"] = device
    if precision is not None:
        params["precision"] = precision
    sequential = models.is_entity_model(model)
    if sequential:
        if not entity_key or not time_column:
            raise JobError("--model sequence needs --entity-key and --time-column")
        params.update(entity_key=entity_key, time_column=time_column)
    elif entity_key or time_column or context:
        raise JobError("--entity-key, --time-column and --context are for --model sequence")
    synthesizer = models.build(model, **params)
    data = _read(io.Source(source, table, query, encoding))
    overrides = {}
    if sequential:
        if entity_key not in data.frame.columns:
            raise JobError(f"{data.source}: --entity-key column '{entity_key}' is not in the input")
        overrides[entity_key] = ColumnOverride(kind=Kind.ID)
    schema = infer_schema(
        data.frame, table=data.name, drop=drop or [], source=data.source, overrides=overrides
    )
    with _progress_bar() as progress:
        if sequential:
            frame = io.read(io.Source(context, context_table)).frame if context else None
            synthesizer.fit(data.frame, schema, context=frame, progress=progress)
        else:
            synthesizer.fit(data.frame, schema, progress=progress)
    models.save(synthesizer, out_dir)
    out.print(f"saved {model} model of {data.source} ({len(data.frame):,} rows) to {out_dir}")


@app.command()
def sample(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by 'synth fit'.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="Parquet file to write (a folder with --entities).")
    ],
    rows: Annotated[int | None, typer.Option(help="Number of rows to draw.")] = None,
    entities: Annotated[
        int | None, typer.Option(help="sequence models: entities to draw, with their events.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    condition: Annotated[
        list[str] | None, typer.Option(help="Fix a column: COLUMN=VALUE (repeatable).")
    ] = None,
) -> None:
    """Sample synthetic rows from a saved model into a Parquet file (or, from a sequence model,
    entities.parquet and events.parquet into a folder).
    """
    from synth import io, models
    from synth.conditions import parse_conditions
    from synth.sampling import sample_table

    check_seed(seed)
    if out_file.is_dir() and rows is not None:
        raise JobError(f"{out_file}: is a folder; --out names the Parquet file to write")
    if out_file.exists() and not out_file.is_dir() and entities is not None:
        raise JobError(f"{out_file}: is a file; with --entities, --out names a folder")
    synthesizer = models.load(model_dir)
    if models.is_entity_model(synthesizer.name):
        if entities is None or rows is not None or condition:
            raise JobError(f"{model_dir}: a sequence model samples --entities N (not --rows or --condition)")
        check_rows(entities, "--entities")
        with _progress_bar() as progress:
            drawn, events = synthesizer.sample_entities(entities, seed=seed, progress=progress)
        with io.atomic_folder(out_file) as staging:
            io.write_parquet(drawn, staging / "entities.parquet")
            io.write_parquet(events, staging / "events.parquet")
        out.print(f"wrote {len(drawn):,} entities and {len(events):,} events to {out_file}")
        return
    if rows is None or entities is not None:
        raise JobError(
            f"{model_dir}: a {synthesizer.name} model samples --rows N (--entities: sequence only)"
        )
    check_rows(rows, "--rows")
    conditions = parse_conditions(condition or [], synthesizer.schema)
    with _progress_bar() as progress:
        frame = sample_table(synthesizer, rows, seed=seed, conditions=conditions, progress=progress)
    io.write_parquet(frame, out_file)
    out.print(f"wrote {len(frame):,} rows to {out_file}")


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
) -> None:
    """Real rows plus synthetic rows of the boosted classes, flagged is_synthetic."""
    import shutil
    import tempfile

    from flows.augment import augment as augment_flow
    from synth.io import atomic_path
    from synth.jobs import parse_job

    ratios = {}
    for item in ratio or []:
        value, sep, number = item.rpartition("=")
        try:
            ratios[value] = float(number)
        except ValueError:
            sep = ""
        if not sep or not value:
            raise JobError(f"--ratio '{item}': write it as VALUE=R, e.g. yes=0.5")
    _positive(add, "--add")
    _positive(epochs, "--epochs")
    check_seed(seed)
    params = {"epochs": epochs} if epochs else {}
    with tempfile.TemporaryDirectory() as work:
        job = parse_job(
            {
                "name": "augment",
                "type": "augment",
                "input": {"path": source, "table": table, "query": query},
                "model": {"name": model, "params": params},
                "seed": seed,
                "output": work,
                "validation": {"suite": suite},
                "privacy": {"attack_risk_max": attack_risk_max},
                "augment": {
                    "target": target,
                    "balance": balance,
                    "ratio": ratios or None,
                    "add": add,
                    "lift": report is not None,
                    "seeds": seeds,
                },
            },
            where="synth augment",
        )
        _quiet_prefect_tracebacks()
        with _progress_bar() as progress:
            result = augment_flow(job, progress=progress)
        with atomic_path(out_file) as temporary:
            shutil.copyfile(result.run_dir / "augmented.parquet", temporary)
        if report is not None:
            with atomic_path(report) as temporary:
                shutil.copyfile(result.run_dir / "lift.md", temporary)
            out.print((result.run_dir / "lift.md").read_text())
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
    from flows.simulate import simulate as simulate_flow
    from flows.simulate import task_runner
    from synth import models

    for value, option in (
        (scenarios, "--scenarios"),
        (rows, "--rows"),
        (workers, "--workers"),
        (chunk_rows, "--chunk-rows"),
    ):
        _positive(value, option)
    check_seed(seed)
    from synth.risk import parse_metric, parse_stress

    loaded = models.load(model_dir)
    for spec in stress or []:
        parse_stress(spec, loaded)
    for spec in metric or []:
        parse_metric(spec, loaded.schema.names)
    _quiet_prefect_tracebacks()
    runner = task_runner(workers, scheduler)
    result = simulate_flow.with_options(task_runner=runner)(
        str(model_dir.resolve()), str(out_dir), scenarios, rows, stress or [], metric or [], seed, chunk_rows
    )
    for name, figures in result["figures"].items():
        out.print(
            f"{name}: mean {figures['mean']:,.2f}  VaR 99% {figures['var_99']:,.2f}  "
            f"ES 97.5% {figures['es_97_5']:,.2f}"
        )
    out.print(
        f"wrote {scenarios} scenarios x {rows:,} rows to {out_dir} in {result['seconds']:.1f} s "
        f"({result['rows_written'] / result['seconds']:,.0f} rows/s)"
    )


@app.command()
def serve(
    jobs: Annotated[Path | None, typer.Option(help="Folder of job files (default flows/jobs).")] = None,
) -> None:
    """Serve every scheduled job file as a Prefect deployment (runs them on their cron)."""
    from flows.serve import JOBS, build_deployments, serve_jobs

    folder = jobs or JOBS
    deployments = build_deployments(folder)
    if not deployments:
        raise JobError(f"{folder}: no job file has a schedule")
    for deployment in deployments:
        out.print(f"serving {deployment.name}: {deployment.schedules[0].schedule.cron}")
    serve_jobs(folder)


@app.command()
def privacy(
    real: Annotated[str, typer.Argument(help="The rows the model was trained on.")],
    synthetic: Annotated[str, typer.Argument(help="The synthetic rows to check.")],
    holdout: Annotated[str, typer.Option(help="Real rows the model never saw.")],
    report: Annotated[Path | None, typer.Option(help="Write a Markdown report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    attacks: Annotated[bool, typer.Option(help="Run the anonymeter attacks.")] = True,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    encoding: Annotated[str, typer.Option(help="Text encoding of the CSV files.")] = "utf-8",
) -> None:
    """Check a synthetic table's privacy against its training rows and a holdout."""
    import json

    from synth import io
    from synth.errors import GateFailed
    from synth.privacy.gate import PrivacyConfig, evaluate
    from synth.privacy.report import gate_markdown
    from synth.schema import check_finite, infer_schema

    check_seed(seed)
    train = _read(io.Source(real, encoding=encoding))
    schema = infer_schema(train.frame, table=train.name, source=train.source)
    frames = {}
    for label, location in (("synthetic", synthetic), ("holdout", holdout)):
        frame = _read(io.Source(location, encoding=encoding)).frame
        missing = [c for c in schema.names if c not in frame.columns]
        if missing:
            raise JobError(f"{location}: column '{missing[0]}' of {real} is missing")
        check_finite(frame, schema, f"{location}: ")
        frames[label] = frame
    result = evaluate(
        frames["synthetic"],
        train.frame,
        frames["holdout"],
        schema,
        PrivacyConfig(attacks=attacks),
        seed=seed,
    )
    if report:
        io.write_text(gate_markdown(result), report)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        _print_checks(result)
    if not result.passed:
        raise GateFailed(result.summary(), result.to_dict()["checks"])


def _print_checks(result) -> None:
    from rich.table import Table

    table = Table(title="privacy gate")
    for header in ("check", "figure", "rule", "threshold", "verdict"):
        table.add_column(header)
    for check in result.checks:
        verdict = "[green]pass[/]" if check.passed else "[red]FAIL[/]"
        table.add_row(check.name, f"{check.figure:.4f}", check.rule, f"{check.threshold:g}", verdict)
    out.print(table)


@app.command()
def expect(
    source: Annotated[str, typer.Argument(help="A real table (CSV, Parquet or SQL URL).")],
    name: Annotated[str, typer.Option(help="Suite name: writes expectations/NAME.json.")],
    folder: Annotated[Path | None, typer.Option("--dir", help="Folder instead of expectations/.")] = None,
    table: Annotated[str | None, typer.Option(help="SQL table to read.")] = None,
    query: Annotated[str | None, typer.Option(help="SQL query to read.")] = None,
) -> None:
    """Profile a real table into a Great Expectations suite (edit it to add business rules)."""
    from synth import io
    from synth.schema import infer_schema
    from synth.validation.suites import load_suite, profile_suite, save_suite

    data = _read(io.Source(source, table, query))
    schema = infer_schema(data.frame, table=data.name, source=data.source)
    path = save_suite(profile_suite(data.frame, schema, name), name, folder)
    count = len(load_suite(str(path)).expectations)
    out.print(f"wrote {count} expectations to {path}")


@app.command()
def validate(
    source: Annotated[str, typer.Argument(help="The table to validate.")],
    suite: Annotated[str, typer.Option(help="Suite name in expectations/, or a JSON path.")],
) -> None:
    """Validate a table against a suite; non-zero exit and one line per failed expectation."""
    from synth.errors import GateFailed
    from synth.validation.checks import validate_frame
    from synth.validation.suites import load_suite

    loaded = load_suite(suite)
    data = _read(source)
    result = validate_frame(data.frame, loaded)
    if result.success:
        out.print(f"{source}: all {len(result.outcomes)} expectations of '{loaded.name}' passed")
        return
    for outcome in result.failed:
        err.print(f"{source}: {outcome.line()}", highlight=False, soft_wrap=True)
    raise GateFailed(
        f"{source}: {len(result.failed)} of {len(result.outcomes)} expectations failed",
        [vars(o) for o in result.failed],
    )


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (output/<job>/<run-id>).")],
) -> None:
    """Re-render a run's report.html from its manifest and aggregates."""
    import json

    from synth import io
    from synth.report.html import render

    files = {name: run_dir / f"{name}.json" for name in ("manifest", "report")}
    for path in files.values():
        if not path.is_file():
            raise JobError(f"{run_dir}: not a run folder ({path.name} is missing)")
    manifest, data = (json.loads(files[name].read_text()) for name in ("manifest", "report"))
    path = io.write_text(render(manifest, data), run_dir / "report.html")
    out.print(f"report: {path}")


@app.command()
def bench(
    data: Annotated[str, typer.Option(help="adult, berka-loans, or a CSV/Parquet path.")] = "adult",
    models: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated models [gaussian_copula,ctgan,tvae,vae, and argn when installed; "
            "--sequential: sequence,par]."
        ),
    ] = None,
    target: Annotated[str | None, typer.Option(help="Column for TSTR ROC-AUC.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for bench-<data>.md/.json.")] = Path("bench"),
    epochs: Annotated[
        int | None, typer.Option(help="Override every deep model's epochs (smoke runs).")
    ] = None,
    simulate_model: Annotated[
        Path | None, typer.Option("--simulate", help="Benchmark risk simulation of this saved model instead.")
    ] = None,
    credit: Annotated[
        bool, typer.Option("--credit", help="Benchmark the credit-loss engine (--loans, --scenarios).")
    ] = False,
    loans: Annotated[int, typer.Option(help="--credit: loans in the book.")] = 100_000,
    scenarios: Annotated[int, typer.Option(help="--simulate: scenarios [20]; --credit: [10,000].")] = 0,
    rows: Annotated[
        int | None,
        typer.Option(help="--simulate: rows per scenario [100,000]; --privacy: synthetic rows [1,000,000]."),
    ] = None,
    privacy: Annotated[
        bool, typer.Option("--privacy", help="Benchmark the privacy gate's cost at scale instead.")
    ] = False,
    real_rows: Annotated[int, typer.Option(help="--privacy: real rows (train + holdout).")] = 100_000,
    draws: Annotated[int, typer.Option(help="Samples drawn and scored per model; figures are means.")] = 3,
    copy_rows: Annotated[
        int, typer.Option(help="More rows per model: a copy rate per million, a finer DCR share (0: none).")
    ] = 1_000_000,
    sequential: Annotated[
        str | None,
        typer.Option(help="Benchmark event histories instead: berka-trans, or an events file."),
    ] = None,
    context: Annotated[str | None, typer.Option(help="--sequential file: its context table.")] = None,
    entity_key: Annotated[str | None, typer.Option(help="--sequential file: entity key.")] = None,
    time_column: Annotated[str | None, typer.Option(help="--sequential file: time column.")] = None,
    rules: Annotated[
        bool,
        typer.Option("--rules/--no-rules", help="Mine the training rows' rules; every model keeps them."),
    ] = True,
    false_alarms: Annotated[
        bool,
        typer.Option(
            "--false-alarms", help="Measure how often real unseen rows fail the gate (--draws each)."
        ),
    ] = False,
) -> None:
    """Benchmark models side by side on one split: fidelity, utility, privacy, speed."""
    _positive(rows, "--rows")
    _positive(draws, "--draws")
    if copy_rows < 0:
        raise JobError(f"--copy-rows must be 0 or more, got {copy_rows}")
    if simulate_model is not None:
        _bench_simulate(simulate_model, out_dir, scenarios or 20, rows or 100_000)
        return
    if credit:
        _bench_credit(out_dir, loans, scenarios or 10_000)
        return
    if privacy:
        _bench_privacy(data, rows or 1_000_000, real_rows, out_dir)
        return
    if sequential is not None:
        _bench_sequential(sequential, context, entity_key, time_column, models, epochs, out_dir)
        return
    if false_alarms:
        _bench_false_alarms(data, draws, out_dir)
        return
    from synth.datasets import load_dataset
    from synth.evaluation.bench import default_bench_models, run_bench, write_bench
    from synth.models.argn import INSTALL_HINT, engine_available
    from synth.models.base import TABULAR_MODELS

    names = [m.strip() for m in (models or default_bench_models()).split(",") if m.strip()]
    unknown = [m for m in names if m not in TABULAR_MODELS]
    if unknown:
        raise JobError(f"--models: unknown model '{unknown[0]}'; choose from {', '.join(TABULAR_MODELS)}")
    if "argn" in names and not engine_available():
        raise JobError(f"--models argn: {INSTALL_HINT}")
    _positive(epochs, "--epochs")
    params = {m: {"epochs": epochs} for m in names if epochs and m != "gaussian_copula"}
    dataset = load_dataset(data)
    with _progress_bar() as progress:
        result = run_bench(
            dataset,
            names,
            target=target,
            params=params,
            draws=draws,
            copy_rows=copy_rows,
            progress=progress,
            rules=rules,
        )
    md, js = write_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


def _bench_false_alarms(data: str, draws: int, out_dir: Path) -> None:
    from synth.evaluation.false_alarms import run_false_alarms, write_false_alarms

    with _progress_bar() as progress:
        result = run_false_alarms([d.strip() for d in data.split(",")], draws=draws, progress=progress)
    md, js = write_false_alarms(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


def _bench_sequential(data, context, key, time, models: str | None, epochs, out_dir: Path) -> None:
    from synth.datasets import load_event_dataset
    from synth.evaluation.sequence_bench import run_sequence_bench, write_sequence_bench

    names = tuple(m.strip() for m in (models or "sequence,par").split(",") if m.strip())
    unknown = [m for m in names if m not in ("sequence", "par")]
    if unknown:
        raise JobError(f"--models: unknown sequential model '{unknown[0]}'; choose from sequence, par")
    _positive(epochs, "--epochs")
    dataset = load_event_dataset(data, context, key, time)
    with _progress_bar() as progress:
        result = run_sequence_bench(
            dataset.events,
            dataset.context,
            key=dataset.key,
            time_column=dataset.time,
            name=dataset.name,
            models=names,
            epochs=epochs,
            progress=progress,
        )
    md, js = write_sequence_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


def _bench_privacy(data: str, rows: int, real_rows: int, out_dir: Path) -> None:
    from synth.datasets import load_dataset
    from synth.evaluation.privacy_bench import run_privacy_bench, write_privacy_bench

    _positive(real_rows, "--real-rows")
    if real_rows < 10:
        raise JobError("--real-rows: at least 10 rows are needed for a train/holdout split")
    with err.status("generating rows and running the privacy gate"):
        result = run_privacy_bench(load_dataset(data), synthetic_rows=rows, real_rows=real_rows)
    md, js = write_privacy_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


def _bench_credit(out_dir: Path, loans: int, scenarios: int) -> None:
    from synth import io
    from synth.credit.bench import bench_markdown, run_credit_bench

    _positive(loans, "--loans")
    _positive(scenarios, "--scenarios")
    with err.status(f"simulating {scenarios:,} scenarios of a {loans:,}-loan book"):
        result = run_credit_bench(out_dir, loans, scenarios)
    text = bench_markdown(result)
    io.write_text(text, out_dir / "bench-credit.md")
    io.write_json(result, out_dir / "bench-credit.json")
    out.print(text, highlight=False)


def _bench_simulate(model_dir: Path, out_dir: Path, scenarios: int, rows: int) -> None:
    import json
    import tempfile

    from flows.simulate import simulate, task_runner
    from synth import io, models
    from synth.bench.simulation import benchmark

    models.load(model_dir)
    _quiet_prefect_tracebacks()
    with tempfile.TemporaryDirectory() as work:
        on = lambda n: simulate.with_options(task_runner=task_runner(n))  # noqa: E731
        results = benchmark(on, str(model_dir.resolve()), work, scenarios, rows, [1, 2])
    lines = [
        f"## synth bench --simulate: {scenarios} scenarios x {rows:,} rows ({scenarios * rows:,} rows)",
        "",
        "| workers | seconds | scenarios/s | rows/s written | peak RSS (GiB, all processes) |",
        "|---|---|---|---|---|",
        *[
            f"| {r['workers']} | {r['seconds']:.1f} | {r['scenarios_per_second']:.2f} | "
            f"{r['rows_per_second']:,.0f} | {r['peak_rss_gib']:.2f} |"
            for r in results
        ],
    ]
    io.write_text("\n".join(lines) + "\n", out_dir / "bench-simulate.md")
    io.write_json(json.loads(json.dumps(results)), out_dir / "bench-simulate.json")
    out.print("\n".join(lines))


def main() -> None:
    """Entry point: run the app, turning SynthErrors into one clean line."""
    try:
        app(standalone_mode=False)
    except SynthError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as error:  # usage errors of typer's (vendored) click arrive here
        if type(error).__name__ == "NoArgsIsHelpError":  # `synth` alone: the help was printed
            sys.exit(0)
        if hasattr(error, "format_message") and isinstance(getattr(error, "exit_code", None), int):
            err.print(f"[bold red]error:[/] {error.format_message()}", highlight=False, soft_wrap=True)
            sys.exit(error.exit_code or 2)
        raise


if __name__ == "__main__":
    main()
