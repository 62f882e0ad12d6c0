"""A database's keys checked against its rows before anything is learned.

Structural faults stop the run with one line naming the table and column (exit 2): a key on a
table or column that does not exist, a cycle of foreign keys, a primary key with duplicates or
gaps, a foreign key to a column that is not unique. Child rows whose key has no parent
(orphans) are counted per key and, per the job's ``orphans`` setting, dropped (children of
dropped rows follow), kept, or refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from synth.errors import InputError
from synth.relational.database import Database
from synth.relational.keys import ForeignKey, Keys, TableKeys

Orphans = Literal["drop", "keep", "fail"]


@dataclass(frozen=True)
class Checked:
    """The database as it goes on, its tables parents first, and the orphans found per key."""

    database: Database
    order: list[str]
    orphans: dict[str, int] = field(default_factory=dict)


def check_database(database: Database, orphans: Orphans = "drop") -> Checked:
    """Check every key of ``database`` (see the module docstring); returns what goes on."""
    _check_names(database)
    order = database.keys.parents_first()
    unique = {
        (name, keys.primary_key): "primary key"
        for name, keys in database.keys.tables.items()
        if keys.primary_key
    }
    for name, keys in database.keys.tables.items():
        for fk in keys.foreign_keys:
            unique.setdefault((fk.parent, fk.parent_column), f"referenced by {name}.{fk.column}")
    for (name, column), role in unique.items():
        _check_unique(database, name, column, role)
    tables = dict(database.tables)
    found: dict[str, int] = {}
    for name in order:
        for fk in database.keys.tables.get(name, TableKeys()).foreign_keys:
            lost = _orphaned(tables[name], fk, tables[fk.parent])
            if lost.any():
                found[f"{name}.{fk.column}"] = int(lost.sum())
                if orphans == "fail":
                    raise InputError(
                        f"{database.source}: table '{name}', column '{fk.column}': {int(lost.sum()):,} rows "
                        f"point at no row of '{fk.parent}' (orphans: drop or keep them in the job)"
                    )
                if orphans == "drop":
                    tables[name] = tables[name].loc[~lost].reset_index(drop=True)
    return Checked(replace(database, tables=tables), order, found)


def _check_names(database: Database) -> None:
    keys: Keys = database.keys
    where = database.source
    for name in (*keys.tables, *keys.reference):
        if name not in database.tables:
            raise InputError(f"{where}: the keys name table '{name}', which is not in the database")
    for name, table_keys in keys.tables.items():
        columns = database.tables[name].columns
        for column in filter(None, (table_keys.primary_key, *(fk.column for fk in table_keys.foreign_keys))):
            if column not in columns:
                raise InputError(f"{where}: table '{name}' has no column '{column}' (named in the keys)")
        if isinstance(table_keys.order_by, str):
            _check_order_by(database, name, table_keys)
        for fk in table_keys.foreign_keys:
            if fk.parent not in database.tables:
                raise InputError(
                    f"{where}: table '{name}', column '{fk.column}' references table '{fk.parent}', "
                    "which is not in the database"
                )
            if fk.parent_column not in database.tables[fk.parent].columns:
                raise InputError(
                    f"{where}: table '{name}', column '{fk.column}' references '{fk.references}', "
                    f"but '{fk.parent}' has no column '{fk.parent_column}'"
                )


def _check_order_by(database: Database, name: str, table_keys: TableKeys) -> None:
    column, where = table_keys.order_by, database.source
    if column not in database.tables[name].columns:
        raise InputError(f"{where}: table '{name}' has no column '{column}' (its order_by in the keys)")
    if not table_keys.foreign_keys:
        raise InputError(f"{where}: table '{name}' has order_by '{column}' but no foreign key to a parent")
    if not pd.api.types.is_datetime64_any_dtype(database.tables[name][column]):
        raise InputError(f"{where}: table '{name}', column '{column}' (order_by) is not a date")


def _check_unique(database: Database, name: str, column: str, role: str) -> None:
    values = database.tables[name][column]
    if values.isna().any():
        raise InputError(f"{database.source}: table '{name}', column '{column}' ({role}): "
                         f"{int(values.isna().sum()):,} rows have no value")  # fmt: skip
    duplicated = int(values.duplicated().sum())
    if duplicated:
        raise InputError(f"{database.source}: table '{name}', column '{column}' ({role}): "
                         f"{duplicated:,} duplicate values")  # fmt: skip


def _orphaned(child: pd.DataFrame, fk: ForeignKey, parent: pd.DataFrame) -> pd.Series:
    values = child[fk.column]
    return values.notna() & ~values.isin(parent[fk.parent_column])


def referential_integrity(tables: dict[str, pd.DataFrame], keys: Keys) -> dict[str, float]:
    """Per foreign key (``child.column``): the share of its non-empty values that point at an
    existing parent row (1.0 is whole); per primary key (``table.column (primary)``): the share
    of rows whose key is unique.
    """
    shares: dict[str, float] = {}
    for name, table_keys in keys.tables.items():
        frame = tables[name]
        if table_keys.primary_key:
            unique = (
                ~frame[table_keys.primary_key].duplicated(keep=False) & frame[table_keys.primary_key].notna()
            )
            shares[f"{name}.{table_keys.primary_key} (primary)"] = float(unique.mean()) if len(frame) else 1.0
        for fk in table_keys.foreign_keys:
            values = frame[fk.column].dropna()
            found = values.isin(tables[fk.parent][fk.parent_column])
            shares[f"{name}.{fk.column}"] = float(found.mean()) if len(values) else 1.0
    return shares
