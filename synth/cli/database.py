"""``synth keys``: a database's tables and keys as synth reads them, for the user to confirm.

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
    """Show every table with its primary and foreign keys, the order parents-first, and the
    child rows whose key points at no parent. Exit 2 on a broken key.
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
