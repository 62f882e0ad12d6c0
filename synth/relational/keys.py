"""The keys of a database: each table's primary key and foreign keys, and the reference tables
kept as they are (public lookup data such as Berka's districts).

A keys file is YAML::

    tables:
      loan: {primary_key: loan_id, foreign_keys: [{column: account_id, references: account.account_id}]}
      trans: {primary_key: trans_id, foreign_keys: [...], order_by: date}
    reference: [district]

``order_by`` names the time column of a table whose rows are each parent's ordered history (a
account's transactions), learned by the sequence model; left out, such a table is detected
(``synth.relational.histories``); ``false`` keeps it a table of independent rows.

The same :class:`Keys` comes from a database's catalog or from detection; the checks that
need the tables' rows are in ``synth.relational.integrity``.
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from synth.errors import InputError, JobError


class ForeignKey(BaseModel):
    """``column`` of a table points at ``references`` (``table.column``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    references: str

    @field_validator("references")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if value.count(".") != 1 or not all(value.split(".")):
            raise ValueError(f"'{value}' must be table.column")
        return value

    @property
    def parent(self) -> str:
        """The table this key points at."""
        return self.references.split(".")[0]

    @property
    def parent_column(self) -> str:
        """The column of the parent it points at."""
        return self.references.split(".")[1]


class TableKeys(BaseModel):
    """One table's primary key (if any) and its foreign keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary_key: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    order_by: str | bool | None = None  # a history's time column; None: detected; false: rows


class Keys(BaseModel):
    """Every table's keys, and the tables kept as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tables: dict[str, TableKeys] = Field(default_factory=dict)
    reference: tuple[str, ...] = ()

    def parents_first(self) -> list[str]:
        """Table names, every parent before its children; a cycle of keys is an error."""
        graph = {name: {fk.parent for fk in keys.foreign_keys if fk.parent != name}
                 for name, keys in self.tables.items()}  # fmt: skip
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError as err:
            cycle = " -> ".join(err.args[1])
            raise InputError(
                f"keys: the foreign keys form a cycle ({cycle}); break it in the keys file"
            ) from None

    def children(self, table: str) -> list[tuple[str, ForeignKey]]:
        """(child table, its key) for every foreign key that points at ``table``."""
        return [
            (name, fk) for name, keys in self.tables.items() for fk in keys.foreign_keys if fk.parent == table
        ]


def load_keys(path: Path) -> Keys:
    """A keys file, checked: one clear line naming the file and the entry that is wrong."""
    path = Path(path)
    if not path.is_file():
        raise JobError(f"{path}: no such keys file")
    try:
        payload = yaml.safe_load(path.read_text()) or {}
        return Keys.model_validate(payload)
    except yaml.YAMLError as err:
        raise JobError(f"{path}: not YAML ({str(err).splitlines()[0]})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise JobError(f"{path}: {where}: {first['msg']}") from None
