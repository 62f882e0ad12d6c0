"""Write a drawn database into a SQL database (SQLite, PostgreSQL schema): every table with its
primary and foreign key constraints, so the target's catalog says what the keys are.

All of it happens in one transaction (PostgreSQL and SQLite both roll back their DDL), so a
failure leaves the target as it was; a table that already exists there is refused, never
replaced.
"""

from __future__ import annotations

import pandas as pd

from synth.errors import InputError
from synth.io.read import expand_credentials, mask_url, sql_error
from synth.relational.keys import Keys


def write_database(tables: dict[str, pd.DataFrame], keys: Keys, url: str, schema: str | None = None) -> None:
    """Create every table of ``tables`` with its keys in ``url`` (``schema``), parents first."""
    from sqlalchemy import MetaData, create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    shown = mask_url(url)
    engine = create_engine(expand_credentials(url))
    try:
        with engine.begin() as connection:
            if schema and engine.dialect.name == "postgresql":
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            existing = set(inspect(connection).get_table_names(schema=schema))
            clash = sorted(existing & set(tables))
            if clash:
                raise InputError(
                    f"{shown}: table '{clash[0]}' already exists in the target; choose an empty schema"
                )
            metadata = MetaData(schema=schema)
            for name in keys.parents_first():
                _table(metadata, name, tables[name], keys, schema)
            metadata.create_all(connection)
            for name in keys.parents_first():
                tables[name].to_sql(name, connection, schema=schema, if_exists="append", index=False)
    except SQLAlchemyError as err:
        raise sql_error(err, shown) from None
    finally:
        engine.dispose()


def _table(metadata, name: str, frame: pd.DataFrame, keys: Keys, schema: str | None):
    from sqlalchemy import Column, ForeignKeyConstraint, Table

    table_keys = keys.tables.get(name)
    primary = table_keys.primary_key if table_keys else None
    columns = [
        Column(c, _sql_type(frame[c]), primary_key=c == primary, autoincrement=False) for c in frame.columns
    ]
    prefix = f"{schema}." if schema else ""
    constraints = [ForeignKeyConstraint([fk.column], [f"{prefix}{fk.references}"])
                   for fk in (table_keys.foreign_keys if table_keys else ())]  # fmt: skip
    return Table(name, metadata, *columns, *constraints)


def _sql_type(values: pd.Series):
    from sqlalchemy import BigInteger, Boolean, DateTime, Float, Text

    if pd.api.types.is_bool_dtype(values):
        return Boolean()
    if pd.api.types.is_integer_dtype(values):
        return BigInteger()
    if pd.api.types.is_float_dtype(values):
        return Float()
    if pd.api.types.is_datetime64_any_dtype(values):
        return DateTime()
    return Text()
