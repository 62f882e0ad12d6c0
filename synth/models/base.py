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


TABULAR_MODELS = ("gaussian_copula", "ctgan", "tvae", "vae", "argn")
SEQUENCE_MODELS = ("sequence",)
MODEL_NAMES = TABULAR_MODELS + SEQUENCE_MODELS
