"""Peak resident memory of this process and all its children (Dask workers included), sampled
in a background thread: what a benchmark reports next to its times.
"""

from __future__ import annotations

import threading


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.gib``: the largest total RSS seen."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.bytes = every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._done.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.bytes = max(self.bytes, total)
            self._done.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    @property
    def gib(self) -> float:
        """The peak in GiB."""
        return self.bytes / 2**30
