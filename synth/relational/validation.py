"""Great Expectations for a whole database: a suite per table, the rules per table, and one
expectation per key.

A table's suite is profiled from its real rows as for a single table, with its primary key an
identifier (unique) and its foreign keys only required to exist: their values are drawn afresh,
so a value set or range of real key values would be wrong, and would publish real keys. Whether
the keys hold is one expectation per key on a frame of booleans (``keys: loan.account_id``:
this row's key points at an existing ``account``; ``keys: loan.loan_id``: this row's primary key
is unique), so the results and Data Docs hold key names and counts, never a key value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from synth.privacy.rare import RARE_TOKEN
from synth.relational.keys import Keys, TableKeys
from synth.schema import ColumnOverride, Kind, infer_schema
from synth.validation.checks import DocsSite, Outcome, Validation, validate_frame
from synth.validation.rules import validate_rules
from synth.validation.suites import load_suite, profile_suite, save_suite

ROW_COUNT = "expect_table_row_count_to_be_between"


def table_suites(tables: dict[str, pd.DataFrame], keys: Keys, folder: Path) -> dict[str, object]:
    """Profile every table's suite, save it as ``folder/<table>.json``, and load it."""
    suites = {}
    for name, frame in tables.items():
        suites[name] = load_suite(str(save_suite(_profile(frame, keys, name), name, folder)))
    return suites


def _profile(frame: pd.DataFrame, keys: Keys, name: str) -> dict:
    table_keys = keys.tables.get(name, TableKeys())
    foreign = [fk.column for fk in table_keys.foreign_keys]
    plain = frame.drop(columns=foreign)
    overrides = {table_keys.primary_key: ColumnOverride(kind=Kind.ID)} if table_keys.primary_key else {}
    suite = profile_suite(plain, infer_schema(plain, table=name, overrides=overrides), name)
    suite["expectations"][0]["kwargs"]["column_set"] = list(frame.columns)
    suite["expectations"] += [
        {"type": "expect_column_to_exist", "kwargs": {"column": c}, "meta": {}} for c in foreign
    ]
    return suite


def validate_tables(
    tables: dict[str, pd.DataFrame], suites: dict, docs: DocsSite | None, label: str, drawn: bool = False
) -> Validation:
    """Every table against its suite; for drawn tables the row count is not checked (it is
    asked for) and the privacy gate's rare-value token is allowed. Outcomes name the table.
    """
    options = {"skip": (ROW_COUNT,), "allow": (RARE_TOKEN,)} if drawn else {}
    results = {name: validate_frame(frame, suites[name], docs=docs, label=f"{label}: {name}", **options)
               for name, frame in tables.items()}  # fmt: skip
    return merged(results, f"{label} tables")


def validate_keys(tables: dict[str, pd.DataFrame], keys: Keys, docs: DocsSite | None) -> Validation:
    """One expectation per primary and foreign key (see the module docstring)."""
    import great_expectations as gx

    frame = key_frame(tables, keys)
    expectations = [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": c, "value_set": [True]}}
        for c in frame.columns
    ]
    suite = gx.ExpectationSuite(name="keys", expectations=expectations)
    return validate_frame(frame, suite, docs=docs, label="keys")


def key_frame(tables: dict[str, pd.DataFrame], keys: Keys) -> pd.DataFrame:
    """One boolean column per key, one row per row of the largest table (shorter columns are
    padded with true: a row that is not there breaks nothing).
    """
    columns: dict[str, pd.Series] = {}
    for name, table_keys in keys.tables.items():
        frame = tables[name]
        if table_keys.primary_key:
            values = frame[table_keys.primary_key]
            columns[f"keys: {name}.{table_keys.primary_key}"] = values.notna() & ~values.duplicated(
                keep=False
            )
        for fk in table_keys.foreign_keys:
            values = frame[fk.column]
            columns[f"keys: {name}.{fk.column}"] = values.isna() | values.isin(
                tables[fk.parent][fk.parent_column]
            )
    length = max((len(v) for v in columns.values()), default=0)
    padded = {c: list(v.to_numpy(dtype=bool)) + [True] * (length - len(v)) for c, v in columns.items()}
    return pd.DataFrame(padded, index=range(length))


def validate_database_rules(
    frames: dict[str, pd.DataFrame], rules: dict, docs: DocsSite | None
) -> Validation:
    """Each table's rules on its drawn rows as its model sees them (with its parent's columns,
    so a rule across two tables is checked where it was learned).
    """
    results = {name: validate_rules(frames[name], rules[name], docs=docs, label=f"rules: {name}")
               for name in frames if rules.get(name)}  # fmt: skip
    return merged(results, "rules")


def merged(results: dict[str, Validation], suite: str) -> Validation:
    """One verdict of several tables' validations; each outcome's column names its table."""
    outcomes = [
        Outcome(o.expectation, f"{name}.{o.column}" if o.column else name, o.success,
                o.unexpected_count, o.unexpected_percent)
        for name, result in results.items()
        for o in result.outcomes
    ]  # fmt: skip
    docs = next((r.docs for r in results.values() if r.docs), None)
    return Validation(suite, all(r.success for r in results.values()), outcomes, docs)
