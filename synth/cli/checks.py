"""Commands that check tables: ``privacy`` (the gate on any synthetic table), ``expect`` (profile
a suite), ``validate`` (a table against a suite), ``report`` (re-render a run's report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.app import app
from synth.cli.console import err, out, read_table
from synth.errors import JobError
from synth.limits import check_seed


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
    train = read_table(io.Source(real, encoding=encoding))
    schema = infer_schema(train.frame, table=train.name, source=train.source)
    frames = {}
    for label, location in (("synthetic", synthetic), ("holdout", holdout)):
        frame = read_table(io.Source(location, encoding=encoding)).frame
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
        print_checks(result)
    if not result.passed:
        raise GateFailed(result.summary(), result.to_dict()["checks"])


def print_checks(result) -> None:
    """The gate's checks as a table: figure, rule, threshold, verdict."""
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

    data = read_table(io.Source(source, table, query))
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
    data = read_table(source)
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
    import os

    from synth import io
    from synth.pipeline.folder import RunFolder
    from synth.report.html import render

    files = {name: run_dir / f"{name}.json" for name in ("manifest", "report")}
    for path in files.values():
        if not path.is_file():
            raise JobError(f"{run_dir}: not a run folder ({path.name} is missing)")
    manifest, data = (json.loads(files[name].read_text()) for name in ("manifest", "report"))
    docs_base = os.path.relpath(RunFolder.output_of(run_dir.resolve()), run_dir.resolve())
    path = io.write_text(render(manifest, data, docs_base), run_dir / "report.html")
    out.print(f"report: {path}")
