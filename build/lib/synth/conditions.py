"""``COLUMN=VALUE`` conditions for sampling, parsed and checked against a model's schema.

A value is converted to the column's kind; a column given twice, a column the model does not
have, or a number outside the range the model was trained on (its schema's widened bounds) is
one :class:`JobError`. Category values the model never saw are refused by the model itself.
"""

from __future__ import annotations

from typing import Any

from synth.errors import JobError
from synth.schema import Column, Kind, Schema


def parse_conditions(pairs: list[str], schema: Schema) -> dict[str, Any]:
    """``["age=40", "sex=Female"]`` -> ``{"age": 40, "sex": "Female"}``, checked."""
    conditions: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise JobError(f"--condition '{pair}': write it as COLUMN=VALUE")
        if name not in schema.names:
            raise JobError(f"--condition: column '{name}' is not in the model's schema")
        if name in conditions:
            raise JobError(f"--condition: column '{name}' is given twice")
        column = schema[name]
        if not column.modelled:
            raise JobError(f"--condition: column '{name}' is an identifier, regenerated and never modelled")
        conditions[name] = _value(column, value)
    return conditions


def _value(column: Column, value: str) -> Any:
    kind = column.kind
    try:
        if kind is Kind.NUMERIC:
            parsed: Any = float(value)
        elif kind is Kind.INTEGER:
            parsed = int(value)
        elif kind is Kind.BOOLEAN:
            parsed = value.lower() in ("1", "true", "yes")
        else:
            parsed = value
    except ValueError:
        raise JobError(f"--condition: '{value}' is not a {kind.value} value for '{column.name}'") from None
    if column.bounds and not column.bounds[0] <= parsed <= column.bounds[1]:
        low, high = column.bounds
        raise JobError(
            f"--condition: {column.name}={value} is outside the range the model was trained on "
            f"(about {low:g} to {high:g})"
        )
    return parsed
