"""The model protocol every synthesizer implements, and the registry that builds them by name.

A model learns the *modelled* columns of a schema (identifiers are regenerated elsewhere) and
returns them from ``sample``; ``synth.sampling`` adds fresh keys and restores the input dtypes.
A saved model is a folder: ``model.json`` (name, parameters, schema) plus the model's own files.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import pandas as pd

from synth.errors import ModelError
from synth.io.write import atomic_folder, sweep_stale
from synth.models import integrity
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


def check_device(setting: str, model: str) -> None:
    """A device setting is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; anything else is refused."""
    if setting not in ("auto", "cpu", "cuda") and not setting.startswith("cuda:"):
        raise ModelError(f"{model}: device must be auto, cpu or cuda, not '{setting}'")


def torch_device(setting: str, model: str):
    """The torch device a setting names (``auto``: a CUDA GPU when there is one)."""
    import torch

    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"{model}: device 'cuda' was asked for but no CUDA GPU is available")
    return torch.device(setting)


PRECISIONS = ("auto", "fp32", "bf16")


def check_precision(setting: str, model: str) -> None:
    """A precision setting is ``auto``, ``fp32`` or ``bf16``; anything else is refused."""
    if setting not in PRECISIONS:
        raise ModelError(f"{model}: precision must be auto, fp32 or bf16, not '{setting}'")


def cpu_has_bf16_matmul() -> bool:
    """Whether this CPU multiplies bf16 matrices in hardware (Intel AMX tiles).

    There bf16 matrix products run several times faster than fp32 ones; on other CPUs bf16 is
    emulated and slower than fp32, so ``auto`` precision stays fp32 there. The check is a private
    torch function, hence the fallback.
    """
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool(probe()) if probe else False
    except RuntimeError:
        return False


def use_bf16(setting: str, device) -> bool:
    """Resolve a precision setting on a device: ``auto`` is bf16 on CUDA and on AMX CPUs."""
    if setting != "auto":
        return setting == "bf16"
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16_matmul())


def one_cycle(optimizer, max_lr: float, total_steps: int):
    """PyTorch's OneCycleLR with a 10 % warm-up, for a run of any length.

    OneCycleLR divides by (warm-up steps - 1), so a run of exactly ten steps (ten epochs of a
    table that fits one batch) crashed with a ZeroDivisionError: the warm-up is at least two
    steps. Runs of under four steps are too short for a cycle and keep a constant rate.
    """
    import torch

    if total_steps < 4:
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=total_steps, pct_start=max(0.1, 2 / total_steps)
    )


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


def _registry() -> dict[str, Callable[..., Synthesizer]]:
    def resolve(target: str):
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)

    return {name: resolve(target) for name, target in REGISTRY.items()}


TABULAR_MODELS = ("gaussian_copula", "ctgan", "tvae", "vae", "argn")
SEQUENCE_MODELS = ("sequence",)
MODEL_NAMES = TABULAR_MODELS + SEQUENCE_MODELS


def build(name: str, **params: Any) -> Synthesizer:
    """Build an unfitted model by name; :class:`ModelError` for an unknown name or parameter."""
    registry = _registry()
    if name not in registry:
        raise ModelError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
    try:
        return registry[name](**params)
    except TypeError as err:
        raise ModelError(f"model '{name}': {err}") from None


def save(model: Synthesizer, directory: Path) -> Path:
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
        (staging / MODEL_FILE).write_text(json.dumps(header, indent=2, sort_keys=True, default=str))
        integrity.sign(staging)
    return directory


def load(directory: Path, expected: str | None = None) -> Synthesizer:
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
        return registry[name].load_files(directory, params, Schema.from_dict(schema))
    except ModelError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of a model's own loader is one line
        raise ModelError(
            f"{directory}: the '{name}' model cannot be loaded ({type(error).__name__})"
        ) from None
