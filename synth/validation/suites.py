"""Expectation suites: profiled from a real table, stored as JSON in ``expectations/``, edited by
people (business rules), and loaded back *strictly*.

GX 1.x drops an expectation whose configuration is invalid with only a log line; a suite that
silently lost its ``amount > 0`` rule would pass bad data. ``load_suite`` therefore counts the
expectations in the file and fails loudly, naming the first one GX rejected.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import InputError, JobError
from synth.io import write_json
from synth.resources import suite_folders
from synth.schema import Kind, Schema, widened_bounds

MAX_VALUE_SET = 50  # categorical columns with more levels get no value-set expectation
LEVEL_MIN_COUNT = 5  # a level enters a value set only when this many real rows have it (as the gate's k)
ROW_COUNT_SLACK = 0.5  # row count may vary by +/- 50 % between refreshes


def profile_suite(frame: pd.DataFrame, schema: Schema, name: str) -> dict[str, Any]:
    """A suite (as GX's JSON dict) describing a real table's shape.

    Column set and types, null fractions (with slack), numeric ranges, categorical value sets,
    uniqueness of keys and a row-count range. Identifier columns get only existence and
    uniqueness: their values are regenerated, never modelled.

    A suite is published with every run, so it holds no raw value that identifies a person:
    numeric bounds are widened and rounded outward (never a real minimum or maximum), and value
    sets list only levels at least :data:`LEVEL_MIN_COUNT` rows share, with ``mostly`` set to
    the share of rows those levels cover.
    """
    expectations: list[dict[str, Any]] = [
        _exp("expect_table_columns_to_match_set", column_set=schema.names, exact_match=True),
        _exp(
            "expect_table_row_count_to_be_between",
            min_value=int(len(frame) * (1 - ROW_COUNT_SLACK)),
            max_value=int(np.ceil(len(frame) * (1 + ROW_COUNT_SLACK))),
        ),
    ]
    for column in schema.columns:
        values = frame[column.name]
        expectations.append(_exp("expect_column_to_exist", column=column.name))
        if not column.modelled:
            if column.kind is Kind.ID:
                expectations.append(_exp("expect_column_values_to_be_unique", column=column.name))
            continue
        expectations.append(
            _exp(
                "expect_column_values_to_be_in_type_list",
                column=column.name,
                type_list=_type_list(column.kind, values),
            )
        )
        null_share = float(values.isna().mean())
        if null_share == 0:
            expectations.append(_exp("expect_column_values_to_not_be_null", column=column.name))
        else:
            mostly = max(0.0, round(1 - null_share - null_slack(null_share, len(values)), 3))
            expectations.append(
                _exp("expect_column_values_to_not_be_null", column=column.name, mostly=mostly)
            )
        if column.kind in (Kind.NUMERIC, Kind.INTEGER):
            low, high = widened_bounds(values.dropna())
            expectations.append(
                _exp("expect_column_values_to_be_between", column=column.name, min_value=low, max_value=high)
            )
        elif column.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            expectations.extend(_value_set(column.name, values))
    return {"name": name, "expectations": expectations, "meta": {"profiled_rows": len(frame)}}


def null_slack(share: float, rows: int) -> float:
    """How far a table's null share may drift before validation fails: 5 points, or three
    standard errors of a share measured on ``rows`` rows where that is wider (a 233-row table
    with 23 % nulls draws 28 % by chance in one run in fifty).
    """
    return max(0.05, 3 * float(np.sqrt(share * (1 - share) / max(rows, 1))))


def _value_set(name: str, values: pd.Series) -> list[dict[str, Any]]:
    """An in-set expectation over the levels at least LEVEL_MIN_COUNT rows share (or none)."""
    counts = values.dropna().value_counts()
    if len(counts) > MAX_VALUE_SET:
        return []
    frequent = counts[counts >= LEVEL_MIN_COUNT]
    if frequent.empty:
        return []
    covered = float(frequent.sum() / counts.sum())
    mostly = float(np.floor(max(0.0, min(0.99, covered - 0.01)) * 1000) / 1000)
    return [
        _exp(
            "expect_column_values_to_be_in_set",
            column=name,
            value_set=sorted(_plain(v) for v in frequent.index),
            mostly=mostly,
        )
    ]


def _exp(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {}}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _type_list(kind: Kind, values: pd.Series) -> list[str]:
    if kind is Kind.INTEGER:
        return ["int", "int8", "int16", "int32", "int64", "Int64", "float", "float64", "float32"]
    if kind is Kind.NUMERIC:
        return ["float", "float64", "float32", "int", "int64", "Float64"]
    if kind is Kind.BOOLEAN:
        return ["bool", "boolean", "bool_"]
    if kind is Kind.DATETIME:
        return [str(values.dtype), "datetime64[ns]", "datetime64[us]", "Timestamp"]
    return ["str", "object", "string", "StringDtype"]


def suite_path(name: str, folder: Path | None = None) -> Path:
    """Where suite ``name`` is read from (a path is taken as is): ``folder`` when given, else
    ``./expectations/`` if it has the suite, else the suites bundled with synth.
    """
    if name.endswith(".json") or "/" in name:
        return Path(name)
    if folder is not None:
        return folder / f"{name}.json"
    candidates = [f / f"{name}.json" for f in suite_folders()]
    return next((c for c in candidates if c.is_file()), candidates[0])


def save_suite(suite: dict[str, Any], name: str, folder: Path | None = None) -> Path:
    """Write a suite JSON (atomically) into ``folder``, default ``./expectations/``."""
    if not (name.endswith(".json") or "/" in name):
        return write_json(suite, (folder or suite_folders()[0]) / f"{name}.json")
    return write_json(suite, Path(name))


def load_suite(name: str, folder: Path | None = None):
    """Load a suite into a GX ``ExpectationSuite``; fail loudly if GX rejects any expectation."""
    import great_expectations as gx

    path = suite_path(name, folder)
    if not path.is_file():
        raise JobError(f"{path}: no such expectation suite")
    try:
        payload = json.loads(path.read_text())
        declared = payload["expectations"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise InputError(f"{path}: not an expectation suite (JSON with 'expectations')") from None
    name = payload.get("name") or path.stem
    with _quiet_gx():
        try:
            suite = gx.ExpectationSuite(name=name, expectations=declared)
            if len(suite.expectations) == len(declared):
                return suite
        except Exception:  # noqa: BLE001, S110 - GX raises many types; the probe below names the culprit
            pass
        for index, config in enumerate(declared):
            kind = config.get("type", "?") if isinstance(config, dict) else "?"
            try:
                accepted = gx.ExpectationSuite(name="probe", expectations=[config]).expectations
            except Exception:  # noqa: BLE001
                accepted = []
            if not accepted:
                raise InputError(
                    f"{path}: expectation #{index + 1} ({kind}) was rejected by Great "
                    f"Expectations; check its type and arguments"
                )
    raise InputError(f"{path}: Great Expectations dropped expectations from this suite")


@contextmanager
def _quiet_gx():
    """GX logs a traceback for every rejected expectation; we report one line instead."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
