"""Progress as log lines: a scheduled run has no terminal, so its long phases (fitting,
sampling) report through a logger instead, with elapsed time and an estimate of what is left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

Progress = Callable[..., None]
"""A progress callback: ``(stage, done, total, **figures)``; models call it per epoch (with the
epoch's figures, e.g. ``loss=``) and per batch."""


class LoggedProgress:
    """A ``(stage, done, total, **figures)`` callback that logs each stage (with its figures, such
    as an epoch's validation loss) at most every ``every`` seconds
    (and at its first and last call), then passes the call on to ``inner`` (a terminal bar).

    The estimate of time left uses the rate since the stage's first call, so it appears from
    the second logged line on. ``clock`` gives the seconds (a test passes its own).
    """

    def __init__(
        self,
        logger: logging.Logger,
        inner: Progress | None = None,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger, self.inner, self.every, self.clock = logger, inner, every, clock
        self._started: dict[str, tuple[float, int]] = {}
        self._logged: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int, **figures: float) -> None:
        if self.inner is not None:
            self.inner(stage, done, total, **figures)
        now = self.clock()
        started, first_done = self._started.setdefault(stage, (now, done))
        if stage in self._logged and done < total and now - self._logged[stage] < self.every:
            return
        self._logged[stage] = now
        elapsed = now - started
        rate = (done - first_done) / elapsed if elapsed > 0 else 0.0
        left = f", about {(total - done) / rate:.0f} s left" if rate > 0 and done < total else ""
        share = 100 * done / max(total, 1)
        shown = "".join(f", {name} {value:.4g}" for name, value in figures.items())
        self.logger.info("%s: %d of %d (%.0f %%)%s%s", stage, done, total, share, shown, left)
