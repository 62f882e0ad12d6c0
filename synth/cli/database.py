"""Whole databases on the command line: ``synth keys`` shows a database's tables and keys as
synth reads them, for the user to confirm; ``synth fit --model relational`` and ``synth sample``
of such a model call :func:`fit_database` and :func:`sample_database`.

Keys come from a keys file, the database's catalog, or detection; detected keys are shown (and
with ``--write`` saved as a keys file) so a person confirms them before anything is learned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.app import app
from synth.cli.console import out
from synth.errors import JobError

ORPHAN_POLICIES = ("drop", "keep", "fail")


@app.command()
def keys(
    source: Annotated[
        str, typer.Argument(help="A folder of CSV/Parquet tables, a SQLite file or a database URL.")
    ],
    keys_file: Annotated[Path | None, typer.Option("--keys", help="A keys file (YAML) to check.")] = None,
    schema: Annotated[str | None, typer.Option(help="The database schema to read (URLs only).")] = None,
    orphans: Annotated[str, typer.Option(help="Child rows without a parent: drop, keep or fail.")] = "keep",
    write: Annotated[Path | None, typer.Option(help="Save the keys as a keys file here.")] = None,
) -> None:
    """Every table's keys, the tables parents first, and child rows with no parent.

    Primary and foreign keys; child rows whose key points at no parent. Exit 2 on a broken key.
    """
    import yaml
    from rich.table import Table

    from synth import io
    from synth.relational.database import read_database
    from synth.relational.integrity import check_database

    if orphans not in ORPHAN_POLICIES:
        raise JobError(f"--orphans must be one of {', '.join(ORPHAN_POLICIES)}, not '{orphans}'")
    database = read_database(source, keys_file, schema)
    checked = check_database(database, orphans)  # type: ignore[arg-type]
    table = Table(title=f"{database.source}: keys from the {_origin(database.keys_from)}")
    for column in ("table", "rows", "primary key", "foreign keys", "orphans"):
        table.add_column(column)
    for name in checked.order:
        table_keys = database.keys.tables.get(name)
        foreign = [
            f"{fk.column} -> {fk.references}" for fk in (table_keys.foreign_keys if table_keys else ())
        ]
        lost = [f"{n:,}" for key, n in checked.orphans.items() if key.split(".")[0] == name]
        reference = " (reference)" if name in database.keys.reference else ""
        if table_keys and isinstance(table_keys.order_by, str):
            reference = f" (history by {table_keys.order_by})"
        table.add_row(f"{name}{reference}", f"{len(database.tables[name]):,}",
                      (table_keys.primary_key if table_keys else None) or "-", "\n".join(foreign) or "-",
                      ", ".join(lost) or "0")  # fmt: skip
    out.print(table)
    if write is not None:
        payload = database.keys.model_dump(mode="json", exclude_defaults=True)
        path = io.write_text(yaml.safe_dump(payload, sort_keys=False), write)
        out.print(f"keys file: {path}")
    if database.keys_from == "detected":
        out.print("These keys were detected from names and values: check them, then pass --keys FILE.")


def _origin(keys_from: str) -> str:
    return {"file": "keys file", "catalog": "database catalog", "detected": "data (detected)"}[keys_from]


def is_database_model(directory: Path) -> bool:
    """True for a folder written by ``synth fit --model relational``."""
    from synth.relational.model import LAYOUT_FILE

    return (Path(directory) / LAYOUT_FILE).is_file()


def fit_database(
    source: str, keys_file: Path | None, out_dir: Path, params: dict, schema: str | None = None
) -> None:
    """Read, check and learn a whole database, then save the model."""
    from synth.relational.database import read_database
    from synth.relational.integrity import check_database
    from synth.relational.model import RelationalModel

    database = read_database(source, keys_file, schema)
    checked = check_database(database, "drop")
    for key, count in checked.orphans.items():
        out.print(f"{key}: {count:,} rows without a parent were left out")
    model = RelationalModel("vae", params).fit(
        checked, progress=lambda name: out.print(f"fitting {name}"), parallel=True
    )
    model.save(out_dir)
    rows = sum(len(t) for t in checked.database.tables.values())
    what = f"{len(model.models)} tables, {rows:,} rows"
    out.print(f"saved relational model of {database.source} ({what}) to {out_dir}")


def sample_database(
    model_dir: Path, scale: float, seed: int, out_dir: Path, target: tuple[str, str | None] | None = None
) -> None:
    """Draw every table and write one Parquet file per table into ``out_dir`` (atomically) and,
    with ``target`` (URL, schema), into that database with the keys as constraints.
    """
    from synth import io
    from synth.relational.integrity import referential_integrity
    from synth.relational.model import RelationalModel

    if scale <= 0:
        raise JobError(f"--scale must be positive, got {scale:g}")
    model = RelationalModel.load(model_dir)
    tables = model.sample(scale, seed)
    whole = referential_integrity(tables, model.keys)
    if target is not None:  # first: a target that refuses (a table already there) leaves no folder either
        from synth.io.read import mask_url
        from synth.relational.target import write_database

        write_database(tables, model.keys, *target)
        out.print(f"wrote {len(tables)} tables with their keys to {mask_url(target[0])}")
    with io.atomic_folder(out_dir) as staging:
        for name, frame in tables.items():
            io.write_parquet(frame, staging / f"{name}.parquet")
    broken = {k: v for k, v in whole.items() if v < 1}
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    out.print(f"wrote {len(tables)} tables to {out_dir}: {rows}; referential integrity "
              f"{'100 %' if not broken else broken}")  # fmt: skip
