"""A rule of the real table: deterministic structure every published row must keep.

Rules are plain data stored with the schema (``model.json`` holds them whole; manifests and
reports list them by name, kind and figures, never with values). Kinds:

=============  ================================  ==============================================
kind           columns                           meaning
=============  ================================  ==============================================
depends        (A, B)                            B is a function of A (a map in ``params``)
combination    (A, B, ...)                       only the observed combinations of these
                                                 categorical columns occur (forbidden cells
                                                 in ``params``: pairs independence expects)
order          (low, high)                       low <= high on every row where both are set
identity       (A, B, C)                         A op B = C within rounding (op: ``*`` or ``+``)
nulls          (A, B)                            B is missing exactly when A is missing
                                                 (``params.value``: or when A equals it)
values         (A,)                              one of a few numbers (``params.values``)
integer        (A,)                              whole numbers only
range          (A,)                              within the widened observed bounds
=============  ================================  ==============================================

``tolerance`` is the real share of training rows that break a near-rule (Adult's one
``Husband``/``Female`` row): synthetic rows are held to zero, the report states the real rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("depends", "combination", "order", "identity", "nulls", "values", "integer", "range")


@dataclass(frozen=True)
class Rule:
    """One rule; ``name`` is what job files and reports call it."""

    kind: str
    columns: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    tolerance: float = 0.0
    origin: str = "mined"

    @property
    def name(self) -> str:
        """``depends: education -> education-num``, ``order: account_date <= loan_date``, …."""
        c = self.columns
        if self.kind == "depends":
            return f"depends: {c[0]} -> {c[1]}"
        if self.kind == "order":
            return f"order: {c[0]} <= {c[1]}"
        if self.kind == "identity":
            return f"identity: {c[0]} {self.params.get('op', '*')} {c[1]} = {c[2]}"
        if self.kind == "nulls":
            when = f" or {c[0]} is one value" if "value" in self.params else ""
            return f"nulls: {c[1]} missing exactly when {c[0]} is{when}"
        return f"{self.kind}: {', '.join(c)}"

    def summary(self) -> dict[str, Any]:
        """What manifests and reports show: no values of the real data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "columns": list(self.columns),
            "real_exception_rate": self.tolerance,
            "origin": self.origin,
        }

    def to_dict(self) -> dict[str, Any]:
        """Whole (``model.json``): the map of a dependency, the combinations, …."""
        return {**self.summary(), "params": self.params}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Rule:
        """Inverse of :meth:`to_dict`."""
        return cls(
            payload["kind"],
            tuple(payload["columns"]),
            dict(payload.get("params") or {}),
            float(payload.get("real_exception_rate", 0.0)),
            payload.get("origin", "mined"),
        )
