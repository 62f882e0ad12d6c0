"""Vectorised, reversible column encoders shared by our own models.

Every modelled column becomes one integer *token* per row, so a network sees a table as a
``(rows, columns)`` integer matrix:

- categorical / boolean: one token per level (most frequent first), plus ``<NA>`` if nullable;
- numeric / integer / datetime: exact tokens for point masses (e.g. Adult's capital-gain is 92 %
  zeros) and for columns with few distinct values, plus equal-frequency bins for the rest; a
  value is decoded by inverting a fine quantile grid inside its bin, so marginals are reproduced
  almost exactly and heavy tails cost nothing. A point mass needs ``min_level_rows`` rows, a
  few-valued column that many rows per value on average, and the grid is never finer than
  about four real values per step: on a small table (a few dozen cards, each issued on its own
  day) every value would otherwise be drawn back exactly, a copy of a row's value rather than
  a value like it.

Encoding and decoding are NumPy array operations (``searchsorted``, ``interp``, ``take``): no
per-row Python, unlike SDV's mode-specific normaliser. The fitted state is plain JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import ModelError
from synth.schema import Column, Kind, Schema

_NS_PER_DAY = 86_400 * 10**9
_NS_PER_SECOND = 10**9


@dataclass
class ColumnCode:
    """The fitted encoding of one column (JSON-serialisable)."""

    name: str
    kind: str
    levels: list[Any] = field(default_factory=list)  # categorical levels or exact numeric values
    n_bins: int = 0
    grid: list[float] = field(default_factory=list)  # fine quantile grid of the binned part
    per_bin: int = 8  # grid steps per bin
    has_na: bool = False
    tail: list[Any] = field(default_factory=list)  # categorical levels beyond the vocabulary cap
    unit: str | None = None  # datetimes: "D" or "s"
    tz: str | None = None

    @property
    def n_exact(self) -> int:
        """Tokens that decode to one exact value (levels, point masses)."""
        return len(self.levels)

    @property
    def vocab_size(self) -> int:
        """Number of distinct tokens of this column."""
        return self.n_exact + self.n_bins + int(bool(self.tail)) + int(self.has_na)

    @property
    def na_token(self) -> int:
        """The token of a missing value (last in the vocabulary), or -1."""
        return self.vocab_size - 1 if self.has_na else -1

    @property
    def tail_token(self) -> int:
        """The token that stands for every level beyond the cap, or -1."""
        return self.n_exact + self.n_bins if self.tail else -1

    @property
    def integral(self) -> bool:
        """True when values are whole units (integers; datetimes in days or seconds)."""
        return self.kind in (Kind.INTEGER.value, Kind.DATETIME.value)

    @property
    def numeric(self) -> bool:
        """True for numeric, integer and datetime columns."""
        return self.kind in (Kind.NUMERIC.value, Kind.INTEGER.value, Kind.DATETIME.value)

    # ------------------------------------------------------------------ encode
    def encode(self, values: pd.Series, rng: np.random.Generator | None = None) -> np.ndarray:
        """Map a column's values to tokens (int64); unknown values raise :class:`ModelError`.

        With ``rng``, integral values (integers, datetimes) are dequantised by uniform jitter of
        half a unit before binning, as when the grid was fitted, so ties at a bin edge are split
        between its two bins in proportion and decoding (which rounds) stays unbiased.
        """
        if self.numeric:
            return self._encode_numeric(values, rng)
        return self._encode_categorical(values)

    def _encode_categorical(self, values: pd.Series) -> np.ndarray:
        na = values.isna().to_numpy()
        index = pd.Index(self.levels)
        tokens = index.get_indexer(values.where(~na, None))
        if self.tail:
            in_tail = pd.Index(self.tail).get_indexer(values.where(~na, None)) >= 0
            tokens = np.where(in_tail, self.tail_token, tokens)
        tokens = np.where(na, self.na_token, tokens)
        unknown = tokens < 0
        if unknown.any():
            what = "missing values" if (na & unknown).any() else "values not seen in training"
            raise ModelError(f"column '{self.name}' has {what} ({int(unknown.sum())} rows)")
        return tokens.astype(np.int64)

    def _encode_numeric(self, values: pd.Series, rng: np.random.Generator | None) -> np.ndarray:
        x = self._to_float(values)
        na = np.isnan(x)
        tokens = np.full(len(x), -1, dtype=np.int64)
        if self.levels:
            exact = np.asarray(self.levels, dtype=float)
            order = np.argsort(exact)
            pos = np.clip(np.searchsorted(exact[order], x), 0, len(exact) - 1)
            hit = exact[order][pos] == x
            tokens = np.where(hit, order[pos], tokens)
        if self.n_bins:
            edges = np.asarray(self.grid, dtype=float)[:: self.per_bin]
            binned = x + _jitter(len(x), rng) if rng is not None and self.integral else x
            bins = np.searchsorted(edges[1:-1], binned, side="right")
            tokens = np.where((tokens < 0) & ~na, self.n_exact + bins, tokens)
        tokens = np.where(na, self.na_token, tokens)
        if (tokens < 0).any():
            bad = int((tokens < 0).sum())
            what = "missing values" if (na & (tokens < 0)).any() else "values outside its levels"
            raise ModelError(f"column '{self.name}' has {what} ({bad} rows)")
        return tokens

    def _to_float(self, values: pd.Series) -> np.ndarray:
        if self.kind == Kind.DATETIME.value:
            stamps = pd.to_datetime(values)
            if stamps.dt.tz is not None:
                stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
            ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
            ns[stamps.isna().to_numpy()] = np.nan
            return ns / (_NS_PER_DAY if self.unit == "D" else _NS_PER_SECOND)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)

    # ------------------------------------------------------------------ decode
    def decode(self, tokens: np.ndarray, rng: np.random.Generator) -> pd.Series:
        """Map tokens back to values; binned tokens draw a value inside their bin."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if self.numeric:
            return self._decode_numeric(tokens, rng)
        return self._decode_categorical(tokens, rng)

    def _decode_categorical(self, tokens: np.ndarray, rng: np.random.Generator) -> pd.Series:
        levels = np.empty(self.vocab_size, dtype=object)
        levels[: self.n_exact] = self.levels
        if self.has_na:
            levels[self.na_token] = None
        out = levels[tokens]
        if self.tail:
            in_tail = tokens == self.tail_token
            tail = np.asarray(self.tail, dtype=object)
            out[in_tail] = tail[rng.integers(0, len(tail), int(in_tail.sum()))]
        series = pd.Series(out, name=self.name)
        if self.kind == Kind.BOOLEAN.value:
            return series.astype("boolean" if self.has_na else bool)
        return series

    def _decode_numeric(self, tokens: np.ndarray, rng: np.random.Generator) -> pd.Series:
        x = np.full(len(tokens), np.nan)
        exact = tokens < self.n_exact
        if self.levels:
            x[exact] = np.asarray(self.levels, dtype=float)[tokens[exact]]
        binned = (tokens >= self.n_exact) & (tokens < self.n_exact + self.n_bins)
        if binned.any():
            grid = np.asarray(self.grid, dtype=float)
            position = (tokens[binned] - self.n_exact + rng.random(int(binned.sum()))) * self.per_bin
            x[binned] = np.interp(position, np.arange(len(grid)), grid)
        if self.integral:
            x = np.round(x)
        if self.kind == Kind.DATETIME.value:
            scale = _NS_PER_DAY if self.unit == "D" else _NS_PER_SECOND
            stamps = pd.to_datetime(np.round(x) * scale, unit="ns", errors="coerce")
            series = pd.Series(stamps, name=self.name)
            return series.dt.tz_localize("UTC").dt.tz_convert(self.tz) if self.tz else series
        return pd.Series(x, name=self.name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return asdict(self)


# ---------------------------------------------------------------------- fit
@dataclass(frozen=True)
class EncodingConfig:
    """How finely columns are tokenised."""

    n_bins: int = 32
    per_bin: int = 16
    max_exact: int = 48  # numeric columns with at most this many distinct values stay exact
    mass_share: float = 0.02  # a numeric value this frequent gets a token of its own
    min_level_rows: int = 5  # ... when this many rows share it (on average, for a few-valued column)
    max_levels: int = 1000  # categorical vocabulary cap; rarer levels share one token


def fit_column(values: pd.Series, column: Column, config: EncodingConfig) -> ColumnCode:
    """Fit the encoding of one column from its real values."""
    kind = column.kind.value
    has_na = bool(values.isna().any())
    if column.kind in (Kind.NUMERIC, Kind.INTEGER, Kind.DATETIME):
        return _fit_numeric(values, column, config, has_na)
    counts = values.dropna().value_counts(sort=True)
    levels = [_plain(v) for v in counts.index[: config.max_levels]]
    tail = [_plain(v) for v in counts.index[config.max_levels :]]
    return ColumnCode(column.name, kind, levels=levels, has_na=has_na, tail=tail)


def _fit_numeric(values: pd.Series, column: Column, config: EncodingConfig, has_na: bool):
    code = ColumnCode(column.name, column.kind.value, has_na=has_na, per_bin=config.per_bin)
    if column.kind is Kind.DATETIME:
        stamps = pd.to_datetime(values)
        code.tz = str(stamps.dt.tz) if stamps.dt.tz is not None else None
        ns = stamps.dropna()
        if code.tz:
            ns = ns.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = ns.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        code.unit = "D" if np.all(ns % _NS_PER_DAY == 0) else "s"
    x = code._to_float(values)
    x = x[~np.isnan(x)]
    distinct, counts = np.unique(x, return_counts=True)
    few = len(distinct) <= config.max_exact and len(x) >= config.min_level_rows * len(distinct)
    if few:
        code.levels = [float(v) for v in distinct[np.argsort(-counts, kind="stable")]]
        return code
    mass = (counts >= config.min_level_rows) & (counts / len(x) >= config.mass_share)
    code.levels = [float(v) for v in distinct[mass]]
    rest = x[~np.isin(x, distinct[mass])]
    if code.integral:
        rest = rest + _jitter(len(rest), np.random.default_rng(0))
    n_bins = int(min(config.n_bins, max(1, len(rest) // 4)))
    code.per_bin = int(max(1, min(config.per_bin, len(rest) // (4 * n_bins))))
    levels = np.linspace(0.0, 1.0, n_bins * code.per_bin + 1)
    code.grid = [float(v) for v in np.quantile(rest, levels)]
    code.n_bins = n_bins
    return code


def _jitter(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(n) - 0.5


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------------- table
@dataclass
class TableCode:
    """The fitted encodings of every modelled column of a table, in order."""

    columns: list[ColumnCode]

    @property
    def names(self) -> list[str]:
        """Modelled column names, in token order."""
        return [c.name for c in self.columns]

    @property
    def vocab_sizes(self) -> list[int]:
        """Vocabulary size of each column."""
        return [c.vocab_size for c in self.columns]

    def encode(self, frame: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
        """Encode a table into a ``(rows, columns)`` int64 token matrix (see ColumnCode.encode)."""
        return np.stack([c.encode(frame[c.name], rng) for c in self.columns], axis=1)

    def decode(self, tokens: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        """Decode a token matrix back into a table of the modelled columns."""
        return pd.DataFrame({c.name: c.decode(tokens[:, i], rng) for i, c in enumerate(self.columns)})

    def column(self, name: str) -> tuple[int, ColumnCode]:
        """Position and encoding of a modelled column; :class:`ModelError` if unknown."""
        for i, code in enumerate(self.columns):
            if code.name == name:
                return i, code
        raise ModelError(f"column '{name}' is not a modelled column of this model")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> TableCode:
        """Rebuild from :meth:`to_dict`."""
        return cls([ColumnCode(**c) for c in payload["columns"]])


def fit_table(frame: pd.DataFrame, schema: Schema, config: EncodingConfig | None = None) -> TableCode:
    """Fit the encodings of every modelled column of ``schema`` on a real table."""
    config = config or EncodingConfig()
    return TableCode([fit_column(frame[c.name], c, config) for c in schema.modelled])
