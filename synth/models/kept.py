"""A tabular model that keeps the schema's rules: the inner model learns the rule codec's
table, and its rows are decoded before anyone sees them.

The wrapper is what the registry builds for every tabular model, so a new model keeps the
rules without a line of its own. Repairs (the last resort) of the latest draw are in
``repairs``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import NotFittedError
from synth.models.base import Conditions, Synthesizer
from synth.progress import Progress
from synth.rules.codec import RuleCodec
from synth.schema import Schema


class RuleKeeper:
    """Synthesizer protocol around an inner model; ``schema`` is the real table's, with rules."""

    def __init__(self, inner: Synthesizer, schema: Schema | None = None, model_schema: Schema | None = None):
        self.inner = inner
        self.schema = schema
        self.model_schema = model_schema
        self.repairs: dict[str, int] = {}

    @property
    def name(self) -> str:
        """The inner model's name."""
        return self.inner.name

    @property
    def history(self) -> dict[str, Any]:
        """The inner model's training figures (empty when it keeps none)."""
        return dict(self.inner.history)

    def params(self) -> dict[str, Any]:
        """The inner model's parameters."""
        return self.inner.params()

    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Fit the inner model on the codec's table of ``table``."""
        codec = self._codec(schema)
        self.model_schema = codec.model_schema(table)
        self.inner.fit(codec.encode(table), self.model_schema, progress=progress)
        self.schema = schema

    def sample(
        self, n: int, conditions: Conditions | None = None, *, seed: int = 0, progress: Progress | None = None
    ) -> pd.DataFrame:
        """``n`` rows of the modelled columns that keep every rule built in."""
        if self.schema is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        codec = self._codec(self.schema)
        inner_conditions = codec.conditions(conditions, n, seed)
        frame = self.inner.sample(n, inner_conditions, seed=seed, progress=progress)
        out = codec.decode(frame)
        self.repairs = codec.repairs
        return out

    def _codec(self, schema: Schema) -> RuleCodec:
        return RuleCodec(schema, native=tuple(getattr(self.inner, "keeps", ())))

    def save_files(self, directory: Path) -> None:
        """The inner model's files."""
        self.inner.save_files(directory)

    @classmethod
    def load(cls, inner_class, directory: Path, params: dict[str, Any], schema: Schema, model_schema: Schema):
        """Rebuild from the inner model's files and the two schemas of ``model.json``."""
        return cls(inner_class.load_files(directory, params, model_schema), schema, model_schema)
