"""The rules as expectations: every rule of a run is one expectation in its output suite.

Orders use GX's own multi-column expectation (``expect_column_pair_values_a_to_be_greater_than_b``);
the other kinds are judged by :mod:`synth.rules.check` into one boolean column per rule, named
by the rule, that must be true on every row (``mostly`` 1.0). So the suite, its results and
its Data Docs hold rule names and counts, never a value of the real data.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from synth.rules.check import broken
from synth.schema import Rule
from synth.validation.checks import DocsSite, Validation, validate_frame

PAIR = "expect_column_pair_values_a_to_be_greater_than_b"


def rule_suite(rules: Sequence[Rule], name: str) -> dict:
    """The rules' expectations, as GX's JSON dict."""
    expectations = []
    for rule in rules:
        if rule.kind == "order":
            low, high = rule.columns
            kwargs = {
                "column_A": high,
                "column_B": low,
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            }
            expectations.append({"type": PAIR, "kwargs": kwargs, "meta": {"rule": rule.name}})
        else:
            kwargs = {"column": rule.name, "value_set": [True]}
            expectations.append(
                {"type": "expect_column_values_to_be_in_set", "kwargs": kwargs, "meta": {"rule": rule.name}}
            )
    return {"name": name, "expectations": expectations, "meta": {}}


def rule_frame(frame: pd.DataFrame, rules: Sequence[Rule]) -> pd.DataFrame:
    """One boolean column per non-order rule (true: the row keeps it), plus the order columns."""
    out = {rule.name: ~broken(frame, rule) for rule in rules if rule.kind != "order"}
    for rule in rules:
        if rule.kind == "order":
            for column in rule.columns:
                values = frame[column]
                if pd.api.types.is_datetime64_any_dtype(values.dtype):
                    values = (values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
                out[column] = pd.to_numeric(values, errors="coerce").to_numpy()
    return pd.DataFrame(out, index=range(len(frame)))


def validate_rules(
    frame: pd.DataFrame, rules: Sequence[Rule], *, docs: DocsSite | None, label: str
) -> Validation:
    """Run the rules' suite on ``frame``; outcomes are named by rule."""
    import great_expectations as gx

    if not rules:
        return Validation("rules", True)
    suite = gx.ExpectationSuite(name="rules", expectations=rule_suite(rules, "rules")["expectations"])
    result = validate_frame(rule_frame(frame, rules), suite, docs=docs, label=label)
    pairs = {f"{r.columns[1]}, {r.columns[0]}": r.name for r in rules if r.kind == "order"}
    for outcome in result.outcomes:
        outcome.column = pairs.get(outcome.column, outcome.column)
    return result
