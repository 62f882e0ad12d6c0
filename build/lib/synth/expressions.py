"""Row expressions for metrics (``loan_amount * (default == 'yes') * 0.45``), parsed against an
allow-list and evaluated column-wise; never evaluated as Python.

A metric string comes from a command line, a job file or a Prefect parameter: an expression
evaluator that allows attribute access or calls of arbitrary functions (``pandas.eval`` with the
python engine does) lets it write files. Here an expression may hold only column names
(``` `capital-gain` ``` in backticks when not an identifier), numbers, quoted strings,
arithmetic, comparisons, ``&``, ``|``, ``~``, ``and``/``or``/``not`` (element-wise) and the
functions in :data:`FUNCTIONS`. Anything else is one :class:`JobError` naming the metric.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import JobError

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "minimum": np.minimum,
    "maximum": np.maximum,
    "where": np.where,
    "clip": np.clip,
}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.inv, ast.Not: operator.inv}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_BACKTICK = re.compile(r"`([^`]+)`")
_ALLOWED = "columns, numbers, strings, arithmetic, comparisons, &, |, ~ and " + ", ".join(FUNCTIONS)


class Expression:
    """A checked expression: ``evaluate(frame)`` gives one value per row."""

    def __init__(self, text: str, label: str, columns: Iterable[str] | None = None) -> None:
        self.text, self.label = text, label
        self._quoted: dict[str, str] = {}
        source = _BACKTICK.sub(self._placeholder, text)
        try:
            self._tree = ast.parse(source.strip(), mode="eval").body
        except SyntaxError:
            raise JobError(f"{label}: '{text}' is not a valid expression") from None
        self.columns = sorted(self._check(self._tree))
        if columns is not None:
            known = set(columns)
            unknown = [c for c in self.columns if c not in known]
            if unknown:
                raise JobError(f"{label}: column '{unknown[0]}' is not in the table")

    def _placeholder(self, match: re.Match) -> str:
        name = f"__column_{len(self._quoted)}"
        self._quoted[name] = match.group(1)
        return name

    def _refuse(self, node: ast.AST) -> JobError:
        return JobError(f"{self.label}: {type(node).__name__} is not allowed in an expression ({_ALLOWED})")

    def _check(self, node: ast.AST) -> set[str]:
        """The column names the tree reads; refuses any node outside the allow-list."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
            return set()
        if isinstance(node, ast.Name):
            return {self._quoted.get(node.id, node.id)}
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self._check(node.left) | self._check(node.right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return self._check(node.operand)
        if isinstance(node, ast.BoolOp):
            return set().union(*(self._check(v) for v in node.values))
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            return set().union(*(self._check(v) for v in [node.left, *node.comparators]))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and not node.keywords
        ):
            return set().union(set(), *(self._check(a) for a in node.args))
        raise self._refuse(node)

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """One float per row of ``frame``."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise JobError(f"{self.label}: column '{missing[0]}' is not in the table")
        try:
            with np.errstate(all="ignore"):
                values = self._eval(self._tree, frame)
            return pd.Series(values, index=frame.index).astype(float)
        except (TypeError, ValueError) as error:
            raise JobError(f"{self.label}: cannot evaluate '{self.text}' ({type(error).__name__})") from None

    def _eval(self, node: ast.AST, frame: pd.DataFrame) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return frame[self._quoted.get(node.id, node.id)]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, frame), self._eval(node.right, frame))
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, frame)
            if isinstance(node.op, ast.Not | ast.Invert):
                return ~pd.Series(operand, index=frame.index).astype(bool)
            return _UNARY[type(node.op)](operand)
        if isinstance(node, ast.BoolOp):
            values = [pd.Series(self._eval(v, frame), index=frame.index).astype(bool) for v in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            result = values[0]
            for value in values[1:]:
                result = combine(result, value)
            return result
        if isinstance(node, ast.Compare):
            left, result = self._eval(node.left, frame), None
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, frame)
                step = _COMPARE[type(op)](left, right)
                result = step if result is None else result & step
                left = right
            return result
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(self._eval(a, frame) for a in node.args))
