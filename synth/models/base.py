"""The model protocol every synthesizer implements, and the registry that builds them by name.

A model learns the *modelled* columns of a schema (identifiers are regenerated elsewhere) and
returns them from ``sample``; ``synth.sampling`` adds fresh keys and restores the input dtypes.
A saved model is a folder: ``model.json`` (name, parameters, schema) plus the model's own files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import pandas as pd

from synth.errors import ModelError
from synth.progress import Progress
from synth.schema import Schema

Conditions = Mapping[str, Any] | pd.DataFrame
"""Fixed values: one value per column for every row, or a frame with one row per sampled row."""

MODEL_FILE = "model.json"


@runtime_checkable
class Synthesizer(Protocol):
    """What the pipeline needs from a model."""

    name: ClassVar[str]
    schema: Schema | None
    history: dict[str, Any]  # training figures for the manifest (empty when a model keeps none)

    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Learn the modelled columns of ``table``."""

    def sample(
        self,
        n: int,
        conditions: Conditions | None = None,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw ``n`` rows of the modelled columns; the same seed gives the same rows."""

    def params(self) -> dict[str, Any]:
        """The parameters the model was built with (recorded in manifests)."""

    def save_files(self, directory: Path) -> None:
        """Write the model's own files into ``directory``."""

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> Synthesizer:
        """Rebuild a fitted model from :meth:`save_files`' output."""


@runtime_checkable
class EntitySynthesizer(Protocol):
    """What the pipeline needs from a model of entities with their ordered events (accounts and
    their transactions): it learns from an events table plus, optionally, one context row per
    entity, and draws whole entities, never loose rows.
    """

    name: ClassVar[str]
    schema: Schema | None
    history: dict[str, Any]  # training figures for the manifest (empty when a model keeps none)

    def fit(
        self,
        table: pd.DataFrame,
        schema: Schema,
        *,
        context: pd.DataFrame | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Learn the events of ``table`` (and the entities' ``context`` rows)."""

    def sample_entities(
        self, n: int, *, seed: int = 0, progress: Progress | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``n`` entities (key + context columns) and their events; the same seed, the same."""

    def params(self) -> dict[str, Any]:
        """The parameters the model was built with (recorded in manifests)."""

    def save_files(self, directory: Path) -> None:
        """Write the model's own files into ``directory``."""

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> EntitySynthesizer:
        """Rebuild a fitted model from :meth:`save_files`' output."""


Model = Synthesizer | EntitySynthesizer
"""Any model the registry builds: one protocol per data shape."""

C = TypeVar("C")


def typed_config(config_type: type[C], params: Mapping[str, Any], model: str) -> C:
    """A model's config dataclass from keyword parameters, type-checked by pydantic.

    An unknown name or a value of the wrong type (``epochs: "two"``) is one clear error naming
    the parameter.
    """
    from pydantic import TypeAdapter, ValidationError

    unknown = sorted(set(params) - {f.name for f in fields(config_type)})
    if unknown:
        raise ModelError(f"{model}: unknown parameter(s) {', '.join(unknown)}")
    try:
        return TypeAdapter(config_type).validate_python(dict(params))
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "parameters"
        raise ModelError(f"{model}: parameter '{key}': {first['msg']}") from None


TABULAR_MODELS = ("gaussian_copula", "ctgan", "tvae", "vae", "argn")
SEQUENCE_MODELS = ("sequence",)
MODEL_NAMES = TABULAR_MODELS + SEQUENCE_MODELS


OWN_MODELS = ("vae", "sequence")
"""Ours, rather than a peer's: they take ``device`` and ``precision``, and sample conditionally
without rejection (the bench times that)."""


def is_entity_model(name: str) -> bool:
    """Whether the model ``name`` is an entity-with-events model (else a table model)."""
    return name in SEQUENCE_MODELS
