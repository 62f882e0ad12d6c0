"""Keys found in the data when neither a keys file nor a catalog gives them.

A primary key is a unique, complete column named ``id`` or ``<table>_id``; a foreign key is a
column named like another table's primary key whose values all appear there. Names must fit as
well as values, so a count column that happens to fall inside an id range is not taken for a
key. A table whose rows are each parent's ordered history gets its ``order_by``. The result is
reported for the user to confirm (and to save as a keys file).
"""

from __future__ import annotations

import pandas as pd

from synth.errors import InputError
from synth.relational.keys import ForeignKey, Keys, TableKeys
from synth.relational.layout import history_time, layouts


def detect_keys(tables: dict[str, pd.DataFrame]) -> Keys:
    """The keys the tables' names and values support."""
    primary = {name: _primary_key(name, frame) for name, frame in tables.items()}
    keys = {}
    for name, frame in tables.items():
        foreign = [
            ForeignKey(column=column, references=f"{parent}.{primary[parent]}")
            for column in frame.columns
            if column != primary[name]
            for parent in tables
            if parent != name
            and primary[parent] == column
            and _contained(frame[column], tables[parent][column])
        ]
        keys[name] = TableKeys(primary_key=primary[name], foreign_keys=tuple(foreign))
    return _with_histories(Keys(tables=keys), tables)


def _with_histories(keys: Keys, tables: dict[str, pd.DataFrame]) -> Keys:
    """The keys with ``order_by`` set on every table found to be a history, so the user sees it."""
    try:
        found = {name: history_time(name, layout, keys, tables[name])
                 for name, layout in layouts(keys, tables).items()}  # fmt: skip
    except InputError:  # keys in a cycle: reported when they are checked
        return keys
    changed = {name: table_keys.model_copy(update={"order_by": found.get(name) or None})
               for name, table_keys in keys.tables.items()}  # fmt: skip
    return keys.model_copy(update={"tables": changed})


def _primary_key(name: str, frame: pd.DataFrame) -> str | None:
    for column in (f"{name}_id", "id"):
        if column in frame.columns and frame[column].notna().all() and frame[column].is_unique:
            return column
    return None


def _contained(child: pd.Series, parent: pd.Series) -> bool:
    values = child.dropna()
    return len(values) > 0 and bool(values.isin(parent).all())
