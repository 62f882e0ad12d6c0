"""From a table of loans to a :class:`~synth.credit.engine.Book`: PD, exposure and segment.

PD comes from a model of the book: a gradient-boosted classifier (LightGBM) of the default
class on the loan's other columns, fitted on the real loans. The real book's own PDs are
out-of-fold predictions (five folds), so no loan's PD has seen its own outcome; every PD set is
then shifted on the logit scale so that the book's mean PD equals the real default rate
(calibration in the large). A synthetic book is scored by the classifier fitted on all real
loans, with the same shift. EAD and LGD are columns or constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from synth.credit.engine import Book
from synth.errors import JobError

PD_FLOOR, PD_CEILING = 1e-4, 0.9999


@dataclass(frozen=True)
class BookSpec:
    """Which columns say what (a number for ``ead``/``lgd``/``pd`` is a constant)."""

    default_column: str
    default_value: str
    ead: str | float
    lgd: str | float = 1.0
    segment: str | None = None
    pd: str | float = "model"

    def check(self, columns: list[str]) -> None:
        """Every named column exists; constants are in range."""
        named = {"default.column": self.default_column, "segment": self.segment}
        for key in ("ead", "lgd", "pd"):
            value = getattr(self, key)
            if isinstance(value, str) and not (key == "pd" and value == "model"):
                named[key] = value
        for key, column in named.items():
            if column is not None and column not in columns:
                raise JobError(f"credit.{key}: column '{column}' is not in the loan book")
        if not isinstance(self.pd, str) and not 0 < self.pd < 1:
            raise JobError(f"credit.pd: a PD must lie in (0, 1), got {self.pd}")
        if not isinstance(self.lgd, str) and not 0 <= self.lgd <= 1:
            raise JobError(f"credit.lgd: an LGD must lie in [0, 1], got {self.lgd}")


class PDModel:
    """Default probability of each loan given its other columns, calibrated to the real rate."""

    def __init__(self, spec: BookSpec, exclude: tuple[str, ...] = (), seed: int = 0) -> None:
        self.spec, self.exclude, self.seed = spec, exclude, seed
        self.features: list[str] = []
        self.levels: dict[str, list] = {}
        self.shift = 0.0
        self._model = None
        self.default_rate = float("nan")

    def _matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for name in self.features:
            values = frame[name]
            if pd.api.types.is_datetime64_any_dtype(values):
                out[name] = values.dt.year + values.dt.dayofyear / 366
            elif name in self.levels:
                out[name] = pd.Categorical(values.astype(object), categories=self.levels[name])
            else:
                out[name] = pd.to_numeric(values, errors="coerce")
        return pd.DataFrame(out, index=frame.index)

    def _classifier(self):
        from lightgbm import LGBMClassifier

        return LGBMClassifier(
            n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=20,
            random_state=self.seed, n_jobs=1, verbose=-1,
        )  # fmt: skip

    def fit(self, real: pd.DataFrame) -> np.ndarray:
        """Fit on the real loans; returns their out-of-fold, calibrated PDs."""
        from sklearn.model_selection import StratifiedKFold

        labels = (real[self.spec.default_column].astype(str) == str(self.spec.default_value)).to_numpy()
        self.default_rate = float(labels.mean())
        if labels.all() or not labels.any():
            column = self.spec.default_column
            raise JobError(f"credit.default: column '{column}' needs loans that did and did not default")
        skip = {self.spec.default_column, *self.exclude}
        self.features = [c for c in real.columns if c not in skip]
        self.levels = {
            c: sorted(real[c].dropna().astype(object).unique(), key=str)
            for c in self.features
            if real[c].dtype == object or isinstance(real[c].dtype, pd.CategoricalDtype)
        }
        x = self._matrix(real)
        folds = min(5, int(labels.sum()), int((~labels).sum()))
        raw = np.zeros(len(real))
        for train, test in StratifiedKFold(max(folds, 2), shuffle=True, random_state=self.seed).split(
            x, labels
        ):
            raw[test] = self._classifier().fit(x.iloc[train], labels[train]).predict_proba(x.iloc[test])[:, 1]
        self._model = self._classifier().fit(x, labels)
        self.shift = _calibration_shift(raw, self.default_rate)
        return self._calibrated(raw)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated PDs of other loans (a synthetic book)."""
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            raise JobError(f"credit: column '{missing[0]}' of the real book is missing from the scored book")
        return self._calibrated(self._model.predict_proba(self._matrix(frame))[:, 1])

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        logit = special.logit(np.clip(raw, PD_FLOOR, PD_CEILING))
        return np.clip(special.expit(logit + self.shift), PD_FLOOR, PD_CEILING)


def _calibration_shift(raw: np.ndarray, rate: float) -> float:
    """The logit shift that makes the mean PD equal the observed default rate."""
    logit = special.logit(np.clip(raw, PD_FLOOR, PD_CEILING))
    return float(optimize.brentq(lambda b: special.expit(logit + b).mean() - rate, -20, 20))


def _column_or_constant(frame: pd.DataFrame, value: str | float, key: str) -> np.ndarray:
    if isinstance(value, str):
        numbers = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)
        if np.isnan(numbers).any():
            raise JobError(f"credit.{key}: column '{value}' has missing or non-numeric values")
        return numbers
    return np.full(len(frame), float(value))


def segment_labels(frames: list[pd.DataFrame], spec: BookSpec) -> tuple[str, ...]:
    """The segments of several books together, so that their losses line up."""
    if spec.segment is None:
        return ("book",)
    labels = (f[spec.segment].astype(str).fillna("missing").unique() for f in frames)
    return tuple(sorted(set().union(*labels)))


def build_book(
    frame: pd.DataFrame, spec: BookSpec, pd_values: np.ndarray | None, segments: tuple[str, ...] | None = None
) -> Book:
    """The engine's view of ``frame``: PD (given, a column or a constant), EAD x LGD, segment."""
    if pd_values is None:
        pd_values = _column_or_constant(frame, spec.pd, "pd")
    pd_values = np.asarray(pd_values, dtype=float)
    if not np.all((pd_values > 0) & (pd_values < 1)):
        raise JobError("credit.pd: every PD must lie in (0, 1)")
    lgd = _column_or_constant(frame, spec.lgd, "lgd")
    if np.any((lgd < 0) | (lgd > 1)):
        raise JobError("credit.lgd: every LGD must lie in [0, 1]")
    exposure = _column_or_constant(frame, spec.ead, "ead") * lgd
    if spec.segment is None:
        return Book(pd_values, exposure, np.zeros(len(frame), dtype=np.int64))
    labels = frame[spec.segment].astype(str).fillna("missing")
    segments = segments or tuple(sorted(labels.unique()))
    codes = pd.Categorical(labels, categories=segments).codes.astype(np.int64)
    return Book(pd_values, exposure, codes, segments)


def default_counts(frame: pd.DataFrame, spec: BookSpec, by: str) -> tuple[np.ndarray, np.ndarray]:
    """Loans and defaults per group of ``by`` (a datetime column groups by year: vintages)."""
    if by not in frame.columns:
        raise JobError(f"credit.correlation.estimate_by: column '{by}' is not in the loan book")
    key = frame[by].dt.year if pd.api.types.is_datetime64_any_dtype(frame[by]) else frame[by]
    hit = frame[spec.default_column].astype(str) == str(spec.default_value)
    grouped = hit.groupby(key).agg(["size", "sum"])
    return grouped["size"].to_numpy(), grouped["sum"].to_numpy()


def spec_from_job(credit) -> BookSpec:
    """The book's column roles from a job's ``credit:`` section."""
    return BookSpec(
        credit.default.column, credit.default.value, credit.ead, credit.lgd, credit.segment, credit.pd
    )
