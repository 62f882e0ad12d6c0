"""The privacy gate for a table too large to hold: each chunk is protected as it is drawn, the
figures are measured on samples, and copies and rare levels are judged exactly.

What it keeps of the real table (:class:`RealEvidence`, gathered while the fit reads it):

- every training row's 64-bit hash, sorted: 8 bytes a row (80 MB for 10,000,000 rows). A
  chunk's rows whose hash is among them are copies and are dropped before it is written;
- each categorical level's exact training count: levels rarer than ``rare_k`` are replaced in
  every chunk, as :func:`synth.privacy.gate.protect` does in a whole table;
- a holdout the model never trained on, and an equal uniform sample of the training rows. The
  distance checks and the attacks (:func:`synth.privacy.gate.evaluate`) run on these and on an
  equal uniform sample of the protected synthetic rows: their figures are estimates anyway,
  and their intervals say how wide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from synth.privacy.copies import row_hashes
from synth.privacy.gate import GateResult, PrivacyConfig, copies_check, evaluate, judge
from synth.privacy.rare import below, count_levels, level_counts, replace_rare, replacements
from synth.schema import Schema

HOLDOUT_ROWS = 20_000  # held out of training for the gate; at most a fifth of the table


@dataclass
class RealEvidence:
    """What the gate knows of the real table: see the module's docstring."""

    schema: Schema
    train_hashes: np.ndarray  # (N,) uint64, sorted
    level_counts: dict[str, pd.Series]
    train_sample: pd.DataFrame
    holdout: pd.DataFrame

    @property
    def train_rows(self) -> int:
        """Rows the model trained on."""
        return len(self.train_hashes)


class Gatherer:
    """Holds out rows and gathers the :class:`RealEvidence` while the fit reads the table once,
    batch after batch (:meth:`split`). The held-out rows and the training sample are chosen
    before the first batch, uniformly, from the table's ``total`` rows and ``seed``.
    """

    def __init__(self, schema: Schema, total: int, seed: int, holdout_rows: int = HOLDOUT_ROWS) -> None:
        rng = np.random.default_rng([seed, 2])
        size = min(holdout_rows, total // 5)
        self.schema, self.total = schema, total
        self.held = np.sort(rng.choice(total, size, replace=False))  # row numbers in the table
        self.sampled = np.sort(rng.choice(total - size, size, replace=False))  # among training rows
        self._modelled = [c.name for c in schema.modelled]
        self._hashes: list[np.ndarray] = []
        self._counts: dict[str, pd.Series] = {}
        self._holdout: list[pd.DataFrame] = []
        self._sample: list[pd.DataFrame] = []
        self._trained = 0

    def split(self, frame: pd.DataFrame, start: int) -> pd.DataFrame:
        """The training rows of the batch ``frame``, whose first row is row ``start`` of the table."""
        rows = np.arange(start, start + len(frame))
        held = np.isin(rows, self.held)
        self._holdout.append(frame.loc[held])
        train = frame.loc[~held].reset_index(drop=True)
        order = np.arange(self._trained, self._trained + len(train))
        self._sample.append(train.loc[np.isin(order, self.sampled)])
        self._trained += len(train)
        self._hashes.append(row_hashes(train, self._modelled))
        for name, seen in level_counts(train, self.schema).items():
            known = self._counts.get(name)
            self._counts[name] = seen if known is None else known.add(seen, fill_value=0)
        return train

    def evidence(self) -> RealEvidence:
        """What was gathered, once every batch has been split."""
        hashes = np.sort(np.concatenate(self._hashes)) if self._hashes else np.empty(0, np.uint64)
        return RealEvidence(self.schema, hashes, self._counts,
                            pd.concat(self._sample, ignore_index=True),
                            pd.concat(self._holdout, ignore_index=True))  # fmt: skip


def is_copy(frame: pd.DataFrame, evidence: RealEvidence) -> np.ndarray:
    """True for each row of ``frame`` equal to a training row (on the modelled columns)."""
    hashes = row_hashes(frame, [c.name for c in evidence.schema.modelled])
    at = np.searchsorted(evidence.train_hashes, hashes).clip(max=max(evidence.train_rows - 1, 0))
    return evidence.train_hashes[at] == hashes if evidence.train_rows else np.zeros(len(frame), bool)


@dataclass
class StreamedGate:
    """Protects chunks one after the other (:meth:`protect`), then judges them all (:meth:`result`).

    The rows it keeps for the distance checks are a uniform share of every chunk, so that their
    number is about the holdout's whatever the draw's size (``rows``, the rows to be drawn).
    """

    evidence: RealEvidence
    rows: int
    config: PrivacyConfig = field(default_factory=PrivacyConfig)
    seed: int = 0
    drawn: int = field(default=0, init=False)  # what the chunks so far held ...
    removed: int = field(default=0, init=False)  # ... their copies of training rows ...
    replaced: dict[str, int] = field(default_factory=dict, init=False)  # ... their rare levels
    kept: list[pd.DataFrame] = field(default_factory=list, init=False)  # the rows measured

    def __post_init__(self) -> None:
        counts = self.evidence.level_counts
        self._rare = below(counts, self.config.rare_k)
        self._replacement = replacements(counts, self.config.rare_mode)
        self._share = min(1.0, len(self.evidence.holdout) / max(self.rows, 1))
        self._rng = np.random.default_rng(self.seed)
        self._result: tuple[int, GateResult] | None = None

    def protect(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """``chunk`` without its copies of training rows and with rare levels replaced."""
        copies = is_copy(chunk, self.evidence)
        self.drawn += len(chunk)
        self.removed += int(copies.sum())
        out, replaced = replace_rare(chunk.loc[~copies].reset_index(drop=True), self._rare, self._replacement)
        for name, count in replaced.items():
            self.replaced[name] = self.replaced.get(name, 0) + count
        self.kept.append(out.loc[self._rng.random(len(out)) < self._share])
        return out

    def result(self) -> GateResult:
        """Every check of :func:`~synth.privacy.gate.evaluate` on the samples, with copies and
        rare values judged over every row drawn instead. Computed once per set of chunks.
        """
        if self._result is None or self._result[0] != self.drawn:
            self._result = (self.drawn, self._judged())
        return self._result[1]

    def _judged(self) -> GateResult:
        e, config = self.evidence, self.config
        own = int(is_copy(e.holdout, e).sum())
        copies = copies_check(self.removed, self.drawn, own, len(e.holdout), config, self.removed)
        synthetic = pd.concat(self.kept, ignore_index=True) if self.kept else pd.DataFrame()
        if e.holdout.empty or synthetic.empty:  # nothing to measure against, or nothing to measure
            why = "no holdout: the table is too small" if e.holdout.empty else "no row left to publish"
            failed = judge("copies", 1.0, config.copies_share_max, "<=", why)
            return GateResult([failed], self.removed, self.replaced, {"drawn_rows": float(self.drawn)})
        measured = evaluate(synthetic, e.train_sample, e.holdout, e.schema, config, seed=self.seed)
        exact = {"copies": copies, "rare_values": _rare_check(synthetic, self._rare)}
        checks = [exact.get(c.name, c) for c in measured.checks]
        figures = {**measured.figures, "sampled_rows": float(len(synthetic)), "drawn_rows": float(self.drawn)}
        return replace(measured, checks=checks, copies_removed=self.removed, rare_replaced=self.replaced,
                       figures=figures)  # fmt: skip


def _rare_check(synthetic: pd.DataFrame, rare: dict[str, set]):
    found = count_levels(synthetic, rare)
    return judge("rare_values", sum(found.values()), 0, "<=", ", ".join(sorted(found)))
