"""``synth bench``: the benchmarks, one sub-command each. The drivers live in ``synth.bench``;
each command checks its options, runs one, writes ``bench-<name>.md/.json`` and prints the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.app import app
from synth.cli.console import err, out, positive, progress_bar, quiet_prefect_tracebacks
from synth.errors import JobError

bench = typer.Typer(no_args_is_help=True, help="Benchmark models, the gate, risk engines.")
app.add_typer(bench, name="bench")

OutDir = Annotated[Path, typer.Option("--out", help="Folder for the bench-<name>.md/.json files.")]


@bench.command("models")
def models_bench(
    data: Annotated[str, typer.Option(help="adult, berka-loans, or a CSV/Parquet path.")] = "adult",
    models: Annotated[
        str | None, typer.Option(help="Comma-separated: gaussian_copula,ctgan,tvae,vae, argn when installed.")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Column for TSTR ROC-AUC.")] = None,
    out_dir: OutDir = Path("bench"),
    epochs: Annotated[
        int | None, typer.Option(help="Override every deep model's epochs (smoke runs).")
    ] = None,
    draws: Annotated[int, typer.Option(help="Samples drawn and scored per model; figures are means.")] = 3,
    copy_rows: Annotated[
        int, typer.Option(help="More rows per model: a copy rate per million, a finer DCR share (0: none).")
    ] = 1_000_000,
    rules: Annotated[
        bool,
        typer.Option("--rules/--no-rules", help="Mine the training rows' rules; every model keeps them."),
    ] = True,
    precision: Annotated[
        str, typer.Option(help="Our VAE's precision: auto (bf16 on GPUs and AMX CPUs), fp32 or bf16.")
    ] = "auto",
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="Our VAE's hyper-parameter as name=value, e.g. d_model=32 (repeatable)."),
    ] = None,
) -> None:
    """Table models side by side on one split: fidelity, utility, privacy, rules, speed."""
    from synth.bench.tables import bench_params, run_bench, write_bench
    from synth.datasets import load_dataset

    positive(draws, "--draws")
    positive(epochs, "--epochs")
    if copy_rows < 0:
        raise JobError(f"--copy-rows must be 0 or more, got {copy_rows}")
    names, params = bench_params(models, epochs, precision, settings)
    dataset = load_dataset(data)
    with progress_bar() as progress:
        result = run_bench(dataset, names, target=target, params=params, draws=draws, copy_rows=copy_rows,
                           progress=progress, rules=rules)  # fmt: skip
    md, js = write_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("false-alarms")
def false_alarms_bench(
    data: Annotated[str, typer.Option(help="Comma-separated tables (names or paths).")] = "adult",
    draws: Annotated[int, typer.Option(help="Draws of real unseen rows per table.")] = 20,
    out_dir: OutDir = Path("bench"),
) -> None:
    """How often real unseen rows fail the gate, and copies and leaks pass it."""
    from synth.bench.false_alarms import run_false_alarms, write_false_alarms

    positive(draws, "--draws")
    with progress_bar() as progress:
        result = run_false_alarms([d.strip() for d in data.split(",")], draws=draws, progress=progress)
    md, js = write_false_alarms(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("rules")
def rules_bench(
    data: Annotated[
        str,
        typer.Option(help="Comma-separated tables: adult-sample, berka-loans, adult, ..."),
    ] = "adult-sample,berka-loans,berka-accounts",
    out_dir: OutDir = Path("bench"),
) -> None:
    """Mined rules on real unseen rows: the holdout, and a sample's source beyond it; mining time."""
    from synth.bench.rules import run_rules_study, write_rules_study

    result = run_rules_study([d.strip() for d in data.split(",")])
    md, js = write_rules_study(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("sequential")
def sequential_bench(
    data: Annotated[str, typer.Argument(help="berka-trans, or an events file.")] = "berka-trans",
    context: Annotated[str | None, typer.Option(help="An events file's context table.")] = None,
    entity_key: Annotated[str | None, typer.Option(help="An events file's entity key.")] = None,
    time_column: Annotated[str | None, typer.Option(help="An events file's time column.")] = None,
    models: Annotated[str, typer.Option(help="Comma-separated: sequence, par.")] = "sequence,par",
    epochs: Annotated[int | None, typer.Option(help="Override the models' epochs (smoke runs).")] = None,
    seed: Annotated[int, typer.Option(help="Our model's seed (the entity split stays the same).")] = 0,
    out_dir: OutDir = Path("bench"),
) -> None:
    """Event histories: our sequence model against SDV's PAR."""
    from synth.bench.sequences import run_sequence_bench, sequence_models, write_sequence_bench
    from synth.datasets import load_event_dataset

    names = sequence_models(models)
    positive(epochs, "--epochs")
    dataset = load_event_dataset(data, context, entity_key, time_column)
    with progress_bar() as progress:
        result = run_sequence_bench(
            dataset.events, dataset.context, key=dataset.key, time_column=dataset.time, name=dataset.name,
            models=names, epochs=epochs, progress=progress, seed=seed,
        )  # fmt: skip
    md, js = write_sequence_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("stream")
def stream_bench(
    rows: Annotated[int, typer.Option(help="Rows of the dataset written, fitted on and drawn.")] = 10_000_000,
    precision: Annotated[str, typer.Option(help="auto (bf16 on GPUs and AMX CPUs), fp32 or bf16.")] = "auto",
    workers: Annotated[int, typer.Option(help="Dask worker processes drawing the chunks (1: none).")] = 1,
    out_dir: OutDir = Path("bench"),
) -> None:
    """A Parquet table past memory: one epoch's fit, a chunked draw, the streamed gate.

    Fitted in record batches for one epoch, sampled in chunks; times and peak memory.
    """
    from synth.bench.streaming import run_stream_bench, write_stream_bench

    positive(rows, "--rows")
    if precision not in ("auto", "fp32", "bf16"):
        raise JobError(f"--precision must be auto, fp32 or bf16, got {precision!r}")
    positive(workers, "--workers")
    with progress_bar() as progress:
        result = run_stream_bench(rows, Path(out_dir), precision, workers=workers, progress=progress)
    md, js = write_stream_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("privacy")
def privacy_bench(
    data: Annotated[str, typer.Option(help="adult, berka-loans, or a CSV/Parquet path.")] = "adult",
    rows: Annotated[int, typer.Option(help="Synthetic rows.")] = 1_000_000,
    real_rows: Annotated[int, typer.Option(help="Real rows (train + holdout).")] = 100_000,
    out_dir: OutDir = Path("bench"),
) -> None:
    """The privacy gate's cost at scale."""
    from synth.bench.privacy import run_privacy_bench, write_privacy_bench
    from synth.datasets import load_dataset

    positive(rows, "--rows")
    positive(real_rows, "--real-rows")
    if real_rows < 10:
        raise JobError("--real-rows: at least 10 rows are needed for a train/holdout split")
    with err.status("generating rows and running the privacy gate"):
        result = run_privacy_bench(load_dataset(data), synthetic_rows=rows, real_rows=real_rows)
    md, js = write_privacy_bench(result, out_dir)
    out.print(result.to_markdown())
    out.print(f"wrote {md} and {js}")


@bench.command("credit")
def credit_bench(
    loans: Annotated[int, typer.Option(help="Loans in the book.")] = 100_000,
    scenarios: Annotated[int, typer.Option(help="Scenarios.")] = 10_000,
    out_dir: OutDir = Path("bench"),
) -> None:
    """The credit-loss engine: scenarios/s, with and without workers."""
    from synth import io
    from synth.bench.credit import bench_markdown, run_credit_bench

    positive(loans, "--loans")
    positive(scenarios, "--scenarios")
    with err.status(f"simulating {scenarios:,} scenarios of a {loans:,}-loan book"):
        result = run_credit_bench(out_dir, loans, scenarios)
    text = bench_markdown(result)
    io.write_text(text, out_dir / "bench-credit.md")
    io.write_json(result, out_dir / "bench-credit.json")
    out.print(text, highlight=False)


@bench.command("simulate")
def simulate_bench(
    model_dir: Annotated[Path, typer.Argument(help="A folder written by 'synth fit'.")],
    scenarios: Annotated[int, typer.Option(help="Scenarios.")] = 20,
    rows: Annotated[int, typer.Option(help="Rows per scenario.")] = 100_000,
    out_dir: OutDir = Path("bench"),
) -> None:
    """Risk simulation on 1 and 2 Dask workers: rows/s written and peak memory."""
    import json
    import tempfile

    from synth import io, models
    from synth.bench.simulation import benchmark, to_markdown
    from synth.pipeline.flows import flow

    positive(scenarios, "--scenarios")
    positive(rows, "--rows")
    models.load(model_dir)
    run_scenarios = flow("scenarios")
    quiet_prefect_tracebacks()
    with tempfile.TemporaryDirectory() as work:
        results = benchmark(run_scenarios, str(model_dir.resolve()), work, scenarios, rows, [1, 2])
    text = to_markdown(results, scenarios, rows)
    io.write_text(text, out_dir / "bench-simulate.md")
    io.write_json(json.loads(json.dumps(results)), out_dir / "bench-simulate.json")
    out.print(text)


@bench.command("relational")
def relational_bench(
    data: Annotated[
        str, typer.Argument(help="berka (the shared 8 tables), or a folder of tables.")
    ] = "berka",
    keys: Annotated[
        Path | None, typer.Option(help="A folder's keys file (berka: data/berka/keys.yaml).")
    ] = None,
    subset: Annotated[
        str, typer.Option(help="Comma-separated tables HMA accepts (at most 5, depth 2); '' for none.")
    ] = "account,disp,loan,order,trans",
    models: Annotated[str, typer.Option(help="Comma-separated: synth, hma.")] = "synth,hma",
    epochs: Annotated[int | None, typer.Option(help="Override our epochs (smoke runs).")] = None,
    out_dir: OutDir = Path("bench"),
) -> None:
    """Whole databases: our relational model against SDV's HMA.

    On every table of the database, and on the largest subset of its tables HMA accepts.
    """
    from synth.bench.relational import RELATIONAL_MODELS, run_relational_bench, write_relational_bench
    from synth.relational.database import read_database
    from synth.relational.database import subset as keep

    names = tuple(m.strip() for m in models.split(",") if m.strip())
    if not names or any(m not in RELATIONAL_MODELS for m in names):
        raise JobError(f"--models: choose from {', '.join(RELATIONAL_MODELS)}")
    positive(epochs, "--epochs")
    database = _bench_database(data, keys, read_database)
    results = [run_relational_bench(database, names, epochs)]
    if subset:
        results.append(run_relational_bench(keep(database, subset.split(",")), names, epochs))
    for suffix, result in zip(("", "-subset"), results, strict=False):
        md, js = write_relational_bench(result, out_dir, suffix)
        out.print(result.to_markdown())
        out.print(f"wrote {md} and {js}")


def _bench_database(data: str, keys: Path | None, read_database):
    if data != "berka":
        return read_database(data, keys)
    from synth import resources
    from synth.datasets import berka_database
    from synth.relational.database import Database
    from synth.relational.keys import load_keys

    tables = berka_database()
    keys_file = keys or resources.bundled("data") / "berka" / "keys.yaml"
    return Database(tables, load_keys(keys_file), "berka (shared, 8 tables)", "file")
