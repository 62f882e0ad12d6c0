"""Commands on one model: ``fit`` a table (or events) into a model folder, ``sample`` from it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.app import app
from synth.cli.console import out, positive, progress_bar, read_table
from synth.errors import JobError
from synth.limits import check_rows, check_seed


def _fit_params(
    model: str, seed: int, epochs, device, precision, entity_key=None, time_column=None, context=None
) -> dict:
    """The model's parameters from the options; entity options only for an entity model."""
    from synth.models import is_entity_model

    positive(epochs, "--epochs")
    check_seed(seed)
    options = {"epochs": epochs, "device": device, "precision": precision}
    params = {"seed": seed, **{k: v for k, v in options.items() if v is not None}}
    if is_entity_model(model):
        if not entity_key or not time_column:
            raise JobError(f"--model {model} needs --entity-key and --time-column")
        params.update(entity_key=entity_key, time_column=time_column)
    elif entity_key or time_column or context:
        raise JobError("--entity-key, --time-column and --context are for --model sequence")
    return params


@app.command()
def fit(
    source: Annotated[str, typer.Argument(help="CSV file, Parquet file/folder, or SQLAlchemy URL.")],
    model: Annotated[
        str,
        typer.Option(help="gaussian_copula, ctgan, tvae, vae, sequence, relational, or argn when installed."),
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
    keys: Annotated[Path | None, typer.Option(help="relational: the keys file (YAML).")] = None,
    schema: Annotated[str | None, typer.Option(help="relational: the database schema to read.")] = None,
) -> None:
    """Fit a model on a real table, on events, or on a whole database, and save it.

    A table by default; events with --model sequence; a whole database with --model relational.
    """
    from synth import io, models

    if model == "relational":
        from synth.cli.database import fit_database

        return fit_database(
            source, keys, out_dir, _fit_params("vae", seed, epochs, device, precision), schema
        )
    if keys is not None or schema is not None:
        raise JobError("--keys and --schema are for --model relational")
    params = _fit_params(model, seed, epochs, device, precision, entity_key, time_column, context)
    synthesizer = models.build(model, **params)
    data = read_table(io.Source(source, table, query, encoding))
    entities = models.is_entity_model(model)
    schema = _schema(data, drop or [], entity_key if entities else None)
    with progress_bar() as progress:
        if entities:
            frame = io.read(io.Source(context, context_table)).frame if context else None
            synthesizer.fit(data.frame, schema, context=frame, progress=progress)
        else:
            synthesizer.fit(data.frame, schema, progress=progress)
    models.save(synthesizer, out_dir)
    out.print(f"saved {model} model of {data.source} ({len(data.frame):,} rows) to {out_dir}")


def _schema(data, drop: list[str], entity_key: str | None):
    """The input's schema; an entity model's key is an identifier."""
    from synth.schema import ColumnOverride, Kind, infer_schema

    overrides = {}
    if entity_key is not None:
        if entity_key not in data.frame.columns:
            raise JobError(f"{data.source}: --entity-key column '{entity_key}' is not in the input")
        overrides[entity_key] = ColumnOverride(kind=Kind.ID)
    return infer_schema(data.frame, table=data.name, drop=drop, source=data.source, overrides=overrides)


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
    scale: Annotated[
        float | None, typer.Option(help="relational: root rows drawn, as a share of the real.")
    ] = None,
    target_url: Annotated[
        str | None,
        typer.Option(help="relational: also write the tables, with their keys, into this database."),
    ] = None,
    target_schema: Annotated[str | None, typer.Option(help="relational: the target's schema.")] = None,
) -> None:
    """Sample synthetic rows from a saved model into Parquet.

    A file from a table model; a folder from a sequence model or a relational model.
    """
    from synth import models
    from synth.cli.database import is_database_model, sample_database

    check_seed(seed)
    if is_database_model(model_dir):
        if rows is not None or entities is not None or condition:
            raise JobError(f"{model_dir}: a relational model samples --scale F (not --rows or --entities)")
        target = (target_url, target_schema) if target_url else None
        return sample_database(model_dir, 1.0 if scale is None else scale, seed, out_file, target)
    if scale is not None or target_url or target_schema:
        raise JobError("--scale, --target-url and --target-schema are for relational models")
    if out_file.is_dir() and rows is not None:
        raise JobError(f"{out_file}: is a folder; --out names the Parquet file to write")
    if out_file.exists() and not out_file.is_dir() and entities is not None:
        raise JobError(f"{out_file}: is a file; with --entities, --out names a folder")
    synthesizer = models.load(model_dir)
    if models.is_entity_model(synthesizer.name):
        if entities is None or rows is not None or condition:
            raise JobError(f"{model_dir}: a sequence model samples --entities N (not --rows or --condition)")
        _sample_entities(synthesizer, entities, seed, out_file)
    else:
        if rows is None or entities is not None:
            raise JobError(
                f"{model_dir}: a {synthesizer.name} model samples --rows N (--entities: sequence only)"
            )
        _sample_rows(synthesizer, rows, seed, condition or [], out_file)


def _sample_entities(synthesizer, entities: int, seed: int, out_dir: Path) -> None:
    from synth import io

    check_rows(entities, "--entities")
    with progress_bar() as progress:
        drawn, events = synthesizer.sample_entities(entities, seed=seed, progress=progress)
    with io.atomic_folder(out_dir) as staging:
        io.write_parquet(drawn, staging / "entities.parquet")
        io.write_parquet(events, staging / "events.parquet")
    out.print(f"wrote {len(drawn):,} entities and {len(events):,} events to {out_dir}")


def _sample_rows(synthesizer, rows: int, seed: int, condition: list[str], out_file: Path) -> None:
    from synth import io
    from synth.conditions import parse_conditions
    from synth.sampling import sample_table

    check_rows(rows, "--rows")
    conditions = parse_conditions(condition, synthesizer.schema)
    with progress_bar() as progress:
        frame = sample_table(synthesizer, rows, seed=seed, conditions=conditions, progress=progress)
    io.write_parquet(frame, out_file)
    out.print(f"wrote {len(frame):,} rows to {out_file}")
