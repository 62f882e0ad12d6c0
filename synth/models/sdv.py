"""SDV 2.x synthesizers behind our model protocol, as peers of our own models.

SDV 2 takes ``{table_name: DataFrame}`` in ``fit`` and returns a dict from ``sample``; these
adapters hide that, translate our schema into SDV ``Metadata``, and make sampling reproducible
from an explicit seed. SDV saves models with cloudpickle (its own format); our own models never
pickle code.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synth.errors import ModelError, NotFittedError
from synth.models.base import Conditions, Progress
from synth.schema import Column, Kind, Schema

SDV_FILE = "sdv.pkl"
_SDTYPES = {
    Kind.NUMERIC: "numerical",
    Kind.INTEGER: "numerical",
    Kind.CATEGORICAL: "categorical",
    Kind.BOOLEAN: "boolean",
    Kind.DATETIME: "datetime",
}


def sdv_metadata(schema: Schema):
    """SDV ``Metadata`` (V2) for the modelled columns of ``schema``."""
    from sdv.metadata import Metadata

    columns = {}
    for column in schema.modelled:
        entry: dict[str, Any] = {"sdtype": _SDTYPES[column.kind]}
        if column.kind is Kind.INTEGER:
            entry["decimal_places"] = 0
        columns[column.name] = entry
    return Metadata.load_from_dict(
        {"tables": {schema.table: {"columns": columns}}, "METADATA_SPEC_VERSION": "V2"}
    )


def sdv_constraints(schema: Schema) -> list:
    """SDV's constraint classes for the rules the codec leaves to SDV: ``FixedCombinations``
    for combination rules with observed combinations, ``Inequality`` for exact orders.
    """
    from sdv.cag import FixedCombinations, Inequality

    out = []
    for rule in schema.rules:
        if rule.kind == "combination" and "combos" in rule.params:
            out.append(FixedCombinations(column_names=list(rule.columns)))
        elif rule.kind == "order":
            out.append(Inequality(low_column_name=rule.columns[0], high_column_name=rule.columns[1]))
    return out


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """Switch off the tqdm bars SDV draws while sampling: they would interleave with our own
    progress and fill logs (``TQDM_DISABLE`` works only if set before tqdm is imported).
    """
    import types

    import sdv.single_table.base as base
    import tqdm

    original = base.tqdm

    def silent(*args, **kwargs):
        return tqdm.tqdm(*args, **{**kwargs, "disable": True})  # wins over SDV's own disable=

    base.tqdm = types.SimpleNamespace(tqdm=silent)
    try:
        yield
    finally:
        base.tqdm = original


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed NumPy's and torch's global generators for SDV, restoring them afterwards.

    SDV draws from global random state; we confine that to this block so that library users'
    own random streams are left as they were.
    """
    import torch

    state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        np.random.seed(seed)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


class _SDVModel:
    """Shared adapter; subclasses name the SDV class and which parameters it accepts."""

    name: ClassVar[str]
    sdv_class: ClassVar[str]
    trains_in_epochs: ClassVar[bool] = True
    keeps: ClassVar[tuple[str, ...]] = ("combination", "order")  # as SDV's own constraint classes

    def __init__(self, *, epochs: int | None = None, seed: int = 0, **params: Any) -> None:
        if epochs is not None and not self.trains_in_epochs:
            raise ModelError(f"model '{self.name}' does not train in epochs; drop --epochs")
        if epochs is not None and (not isinstance(epochs, int) or isinstance(epochs, bool)):
            raise ModelError(f"model '{self.name}': parameter 'epochs' must be a whole number")
        if epochs is not None and epochs < 1:
            raise ModelError(f"model '{self.name}': epochs must be at least 1")
        self.epochs = epochs
        self.seed = seed
        self.extra = params
        self.schema: Schema | None = None
        self.history: dict[str, Any] = {}  # training figures the manifest records (none kept)
        self._synthesizer = None
        self._build(Schema("probe", (Column("x", Kind.NUMERIC, "float64"),)), verbose=False)

    def params(self) -> dict[str, Any]:
        """Parameters as given (SDV defaults apply to the rest, e.g. 300 epochs)."""
        return {"epochs": self.epochs, "seed": self.seed, **self.extra}

    def _build(self, schema: Schema, verbose: bool):
        import sdv.single_table as single_table

        kwargs = dict(self.extra)
        if self.trains_in_epochs:
            kwargs.setdefault("verbose", verbose)
            if self.epochs is not None:
                kwargs["epochs"] = self.epochs
        try:
            return getattr(single_table, self.sdv_class)(sdv_metadata(schema), **kwargs)
        except Exception as err:  # noqa: BLE001 - SDV raises TypeError, ValueError or its own
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ModelError(f"model '{self.name}': parameters: {first}") from None

    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Fit the SDV synthesizer on the modelled columns."""
        self.schema = schema
        names = [c.name for c in schema.modelled]
        self._synthesizer = self._build(schema, verbose=progress is not None)
        constraints = sdv_constraints(schema)
        if constraints:
            self._synthesizer.add_constraints(constraints)
        with seeded(self.seed):
            self._synthesizer.fit({schema.table: table[names].reset_index(drop=True)})

    def sample(
        self,
        n: int,
        conditions: Conditions | None = None,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Sample ``n`` rows; conditions use SDV's (rejection-based) conditional sampling."""
        if self._synthesizer is None or self.schema is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        self._synthesizer.reset_sampling()
        self._synthesizer._set_random_state(seed)  # SDV's own per-sample seeding hook
        with seeded(seed), quiet_progress():
            if conditions is None or len(conditions) == 0:
                frame = self._synthesizer.sample(n)[self.schema.table]
            else:
                try:
                    with warnings.catch_warnings():  # RDT warns of unseen categories; we raise instead
                        warnings.simplefilter("ignore", UserWarning)
                        frame = self._sample_conditions(n, conditions)
                except ValueError as err:
                    if "Unable to sample any rows" not in str(err):
                        raise
                    raise ModelError(
                        f"model '{self.name}': no rows could be drawn for these conditions (a value the "
                        "model never saw, or one too rare for its rejection sampling to reach)"
                    ) from None
        if progress:
            progress("sample", n, n)
        return frame.reset_index(drop=True)

    def _sample_conditions(self, n: int, conditions: Conditions) -> pd.DataFrame:
        from sdv.sampling import Condition

        if isinstance(conditions, pd.DataFrame):
            result = self._synthesizer.sample_remaining_columns(conditions.reset_index(drop=True))
        else:
            result = self._synthesizer.sample_from_conditions(
                [Condition(num_rows=n, column_values=dict(conditions))]
            )
        return result[self.schema.table] if isinstance(result, dict) else result

    def save_files(self, directory: Path) -> None:
        """SDV's own cloudpickle file."""
        if self._synthesizer is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        self._synthesizer.save(str(directory / SDV_FILE))

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema):
        """Load SDV's file."""
        from sdv.utils import load_synthesizer

        model = cls(**params)
        model.schema = schema
        model._synthesizer = load_synthesizer(str(directory / SDV_FILE))
        return model


class GaussianCopulaModel(_SDVModel):
    """SDV's GaussianCopulaSynthesizer."""

    name = "gaussian_copula"
    sdv_class = "GaussianCopulaSynthesizer"
    trains_in_epochs = False


class CTGANModel(_SDVModel):
    """SDV's CTGANSynthesizer (300 epochs by default)."""

    name = "ctgan"
    sdv_class = "CTGANSynthesizer"


class TVAEModel(_SDVModel):
    """SDV's TVAESynthesizer (300 epochs by default)."""

    name = "tvae"
    sdv_class = "TVAESynthesizer"
