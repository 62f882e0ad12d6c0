"""Read a whole database: a folder of CSV/Parquet files (one table per file, named by its stem),
a SQLite file, or a SQLAlchemy URL to a database schema.

Keys come from, in this order: a keys file the user gives, the database's catalog (primary and
foreign key constraints), or detection (``synth.relational.detect``), which the caller reports
for the user to confirm. Sources are only read, never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from synth import io
from synth.errors import InputError
from synth.io.read import mask_url, readonly_url, sql_error
from synth.relational.detect import detect_keys
from synth.relational.keys import ForeignKey, Keys, TableKeys, load_keys

TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".csv.gz")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class Database:
    """Tables by name, their keys, and where the keys came from (file, catalog or detected)."""

    tables: dict[str, pd.DataFrame]
    keys: Keys
    source: str
    keys_from: str


def read_database(location: str | Path, keys_file: Path | None = None, schema: str | None = None) -> Database:
    """Every table of ``location`` with its keys (see the module docstring for the order)."""
    text = str(location)
    if Path(text).suffix.lower() in SQLITE_SUFFIXES and Path(text).is_file():
        text = f"sqlite:///{Path(text).resolve()}"
    if io.Source(text).is_sql:
        tables, catalog = _read_sql(text, schema)
        shown = mask_url(text)
    else:
        tables, catalog, shown = _read_folder(Path(text)), None, text
    if keys_file is not None:
        return Database(tables, load_keys(keys_file), shown, "file")
    if catalog is not None and any(k.primary_key or k.foreign_keys for k in catalog.tables.values()):
        return Database(tables, catalog, shown, "catalog")
    return Database(tables, detect_keys(tables), shown, "detected")


def _read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    if not folder.is_dir():
        raise InputError(
            f"{folder}: no such folder (a database is a folder of tables, a SQLite file or a URL)"
        )
    files = sorted(p for p in folder.iterdir() if p.name.lower().endswith(TABLE_SUFFIXES))
    if not files:
        raise InputError(f"{folder}: no CSV or Parquet table in the folder")
    tables: dict[str, pd.DataFrame] = {}
    for path in files:
        name = path.name.split(".")[0]
        if name in tables:
            raise InputError(f"{path}: a second file for table '{name}'; keep one")
        tables[name] = io.read(path).frame
    return tables


def _read_sql(url: str, schema: str | None) -> tuple[dict[str, pd.DataFrame], Keys]:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    shown = mask_url(url)
    engine = create_engine(readonly_url(url))
    try:
        catalog = inspect(engine)
        names = catalog.get_table_names(schema=schema)
        if not names:
            raise InputError(f"{shown}: no table in schema '{schema or 'default'}'")
        keys = {name: _table_keys(catalog, name, schema, shown) for name in names}
        with engine.connect() as connection:
            tables = {name: pd.read_sql_table(name, connection, schema=schema) for name in names}
    except SQLAlchemyError as err:
        raise sql_error(err, shown) from None
    finally:
        engine.dispose()
    return tables, Keys(tables=keys)


def _table_keys(catalog, name: str, schema: str | None, shown: str) -> TableKeys:
    primary = catalog.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
    if len(primary) > 1:
        raise InputError(f"{shown}: table '{name}' has a composite primary key; give a keys file")
    foreign = []
    for fk in catalog.get_foreign_keys(name, schema=schema):
        if len(fk["constrained_columns"]) != 1:
            raise InputError(f"{shown}: table '{name}' has a composite foreign key; give a keys file")
        target = f"{fk['referred_table']}.{fk['referred_columns'][0]}"
        foreign.append(ForeignKey(column=fk["constrained_columns"][0], references=target))
    return TableKeys(primary_key=primary[0] if primary else None, foreign_keys=tuple(foreign))


def subset(database: Database, names: list[str]) -> Database:
    """The tables ``names`` only; a foreign key into a table left out goes, with its column
    (its values point at rows that are not there: neither a key nor an attribute).
    """
    missing = [n for n in names if n not in database.tables]
    if missing:
        raise InputError(f"{database.source}: no table '{missing[0]}' to keep")
    dangling = {n: [fk.column for fk in k.foreign_keys if fk.parent not in names]
                for n, k in database.keys.tables.items() if n in names}  # fmt: skip
    tables = {n: database.tables[n].drop(columns=dangling.get(n, [])) for n in names}
    kept = {
        n: TableKeys(
            primary_key=k.primary_key, foreign_keys=tuple(fk for fk in k.foreign_keys if fk.parent in tables)
        )
        for n, k in database.keys.tables.items()
        if n in tables
    }
    keys = Keys(tables=kept, reference=tuple(r for r in database.keys.reference if r in tables))
    return Database(tables, keys, f"{database.source} ({', '.join(names)})", database.keys_from)
