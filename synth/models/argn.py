"""MOSTLY AI's TabularARGN (``mostlyai-engine``, Apache-2.0) behind our model protocol: the
strongest open peer, measured beside ours by ``synth bench`` when the engine is installed.

The engine is optional and lives in an environment of its own: it requires NumPy 2, which
anonymeter (our privacy gate) forbids, and a torchvision that matches torch or none (its
``transformers`` import fails on PyPI's CUDA torchvision beside a CPU torch). See
docs/benchmarks.md, "TabularARGN in the bench".
Conditions become the engine's ``seed_data``: fixed columns, the rest generated in flexible
order, no rejection loop.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from synth.errors import ModelError, NotFittedError
from synth.models.base import Conditions, Progress, typed_config
from synth.models.runtime import check_device
from synth.schema import Schema

WORKSPACE = "argn-workspace"
INSTALL_HINT = (
    "TabularARGN needs mostlyai-engine in an environment of its own (it needs NumPy 2, "
    "anonymeter pins NumPy < 1.27): see docs/benchmarks.md, 'TabularARGN in the bench'"
)


@dataclass(frozen=True)
class ARGNConfig:
    """The engine's own defaults unless set (100 epochs at most, its automatic batch size)."""

    epochs: int | None = None
    max_training_minutes: float | None = None
    batch_size: int | None = None
    value_protection: bool = True
    device: str = "auto"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise ModelError("argn: epochs must be at least 1")
        check_device(self.device, "argn")


def _engine():
    """The engine module, or one clear error naming the install step."""
    try:
        import mostlyai.engine as engine
    except ImportError:
        raise ModelError(INSTALL_HINT) from None
    except Exception as error:  # noqa: BLE001 - a broken transformers/torchvision pair
        raise ModelError(f"{INSTALL_HINT} ({type(error).__name__}: {str(error)[:120]})") from None
    return engine


def engine_available() -> bool:
    """True when the engine imports (installed, with a torchvision that matches torch or none)."""
    try:
        _engine()
    except ModelError:
        return False
    return True


class ARGNModel:
    """TabularARGN on the modelled columns; its workspace folder is the saved model."""

    name: ClassVar[str] = "argn"

    def __init__(self, **params: Any) -> None:
        self.config = typed_config(ARGNConfig, params, self.name)
        self.schema: Schema | None = None
        self.history: dict[str, Any] = {}  # training figures the manifest records (none kept)
        self._workspace: tempfile.TemporaryDirectory | None = None
        self._model = None

    def params(self) -> dict[str, Any]:
        """The configuration, engine defaults shown as None."""
        return asdict(self.config)

    def _build(self, workspace: Path):
        engine = _engine()
        device = None if self.config.device == "auto" else self.config.device
        return engine.TabularARGN(
            max_epochs=self.config.epochs or 100.0,
            max_training_time=self.config.max_training_minutes or 14400.0,
            batch_size=self.config.batch_size,
            value_protection=self.config.value_protection,
            device=device,
            workspace_dir=str(workspace),
            random_state=self.config.seed,
        )

    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Fit on the modelled columns in a private workspace (removed with the model)."""
        self._workspace = tempfile.TemporaryDirectory(prefix="synth-argn-")
        self._model = self._build(Path(self._workspace.name))
        names = [c.name for c in schema.modelled]
        self._model.fit(table[names].reset_index(drop=True))
        self.schema = schema
        if progress:
            progress("fit", 1, 1)

    def sample(
        self,
        n: int,
        conditions: Conditions | None = None,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """``n`` rows in the input's dtypes; the engine's generator is seeded with ``seed``."""
        if self._model is None or self.schema is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        _engine().set_random_state(seed)
        seed_data = None
        if conditions is not None and len(conditions):
            seed_data = (
                conditions.reset_index(drop=True)
                if isinstance(conditions, pd.DataFrame)
                else pd.DataFrame({k: [v] * n for k, v in dict(conditions).items()})
            )
        frame = self._model.sample(n_samples=n, seed_data=seed_data)
        if progress:
            progress("sample", n, n)
        return self.schema.conform(frame, modelled_only=True)

    def save_files(self, directory: Path) -> None:
        """The engine's workspace (its weights, encodings and statistics)."""
        if self._model is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        shutil.copytree(self._model.workspace_dir, directory / WORKSPACE)

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> ARGNModel:
        """Rebuild from a copy of the saved workspace (the engine writes into it when sampling)."""
        _engine()  # a missing engine is named before any file is read
        model = cls(**params)
        model._workspace = tempfile.TemporaryDirectory(prefix="synth-argn-")
        workspace = Path(model._workspace.name) / WORKSPACE
        shutil.copytree(directory / WORKSPACE, workspace)
        model._model = model._build(workspace)
        model._model._fitted = True  # the engine's own flag; its workspace is complete
        model.schema = schema
        return model
