"""The model registry: build a model by name, save it signed, load it back.

Tabular models are wrapped in :class:`~synth.models.kept.RuleKeeper`, so every one of them
keeps the schema's rules while sampling; ``model.json`` holds the schema with its rules and
the table the inner model learned (``model_schema``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synth.errors import ModelError
from synth.io.write import atomic_folder, sweep_stale
from synth.models import integrity
from synth.models.base import MODEL_FILE, MODEL_NAMES, TABULAR_MODELS, Model
from synth.models.kept import RuleKeeper
from synth.schema import Schema

REGISTRY = {
    "gaussian_copula": "synth.models.sdv:GaussianCopulaModel",
    "ctgan": "synth.models.sdv:CTGANModel",
    "tvae": "synth.models.sdv:TVAEModel",
    "vae": "synth.models.vae:VAEModel",
    "argn": "synth.models.argn:ARGNModel",
    "sequence": "synth.models.sequence:SequenceModel",
}
"""Model name -> ``module:class``. Imported only when a model is built or loaded: models import
this module's protocol and helpers, so this module must not import them."""


def _registry() -> dict[str, Callable[..., Model]]:
    def resolve(target: str):
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)

    return {name: resolve(target) for name, target in REGISTRY.items()}


def build(name: str, **params: Any) -> Model:
    """Build an unfitted model by name; :class:`ModelError` for an unknown name or parameter."""
    registry = _registry()
    if name not in registry:
        raise ModelError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
    try:
        model = registry[name](**params)
    except TypeError as err:
        raise ModelError(f"model '{name}': {err}") from None
    return RuleKeeper(model) if name in TABULAR_MODELS else model


def save(model: Model, directory: Path) -> Path:
    """Save a fitted model into ``directory``, signed, replacing any old one atomically.

    The new folder is assembled beside the old one; then the old is renamed away, the new
    renamed in, and the old deleted, so a kill at any moment leaves a whole model (old or new).
    """
    if model.schema is None:
        from synth.errors import NotFittedError

        raise NotFittedError("the model must be fitted before it is saved; call fit() first")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ModelError(f"{directory}: exists and is not a folder; choose another --out")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MODEL_FILE).is_file():
        raise ModelError(
            f"{directory}: a folder that holds no saved model; it is not replaced, choose another --out"
        )
    sweep_stale(directory.parent)
    with atomic_folder(directory) as staging:
        model.save_files(staging)
        header = {"model": model.name, "params": model.params(), "schema": model.schema.to_dict()}
        if isinstance(model, RuleKeeper):
            header["model_schema"] = model.model_schema.to_dict()
        (staging / MODEL_FILE).write_text(json.dumps(header, indent=2, sort_keys=True, default=str))
        integrity.sign(staging)
    return directory


def load(directory: Path, expected: str | None = None) -> Model:
    """Load a model saved by :func:`save` on this installation.

    The folder's signature is verified before any file is parsed or unpickled; ``expected``
    (the model a job names) must match the folder's model. Every failure is a
    :class:`ModelError` naming the folder.
    """
    directory = Path(directory)
    if not (directory / MODEL_FILE).is_file():
        raise ModelError(f"{directory}: not a saved model (no {MODEL_FILE})")
    integrity.verify(directory)
    header_file = directory / MODEL_FILE
    try:
        header = json.loads(header_file.read_text())
        name, params, schema = header["model"], header["params"], header["schema"]
        valid = isinstance(name, str) and isinstance(params, dict) and isinstance(schema, dict)
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise ModelError(f"{header_file}: not a valid model header")
    registry = _registry()
    if name not in registry:
        raise ModelError(f"{header_file}: unknown model '{name}'")
    if expected is not None and name != expected:
        raise ModelError(f"{directory}: holds a '{name}' model, not the '{expected}' model asked for")
    try:
        if name in TABULAR_MODELS:
            inner_schema = Schema.from_dict(header.get("model_schema") or schema)
            return RuleKeeper.load(registry[name], directory, params, Schema.from_dict(schema), inner_schema)
        return registry[name].load_files(directory, params, Schema.from_dict(schema))
    except ModelError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of a model's own loader is one line
        raise ModelError(
            f"{directory}: the '{name}' model cannot be loaded ({type(error).__name__})"
        ) from None
