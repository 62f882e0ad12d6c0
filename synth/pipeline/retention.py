"""Retention: a job with ``keep_runs: N`` keeps its newest N published runs and its newest N
quarantined ones; older runs go, with their pages and results in the job's Data Docs site,
each time a run of the job ends. A nightly job's output otherwise grows by a run a night.

A run goes in two steps (:func:`synth.io.write.remove_folder`): renamed to
``.<run-id>.gone-<pid>`` (one atomic rename, so a reader never sees half a run, and
:func:`synth.pipeline.folder.find_model` no longer offers it), then deleted. A process killed
between the two leaves a name that the next run sweeps. ``latest`` is always kept: it names
the newest published run. Other files in the output are never touched: only folders named
like run ids are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.io.write import remove_folder, sweep_stale
from synth.pipeline.folder import RUN_ID
from synth.validation.checks import forget_runs


@dataclass(frozen=True)
class Pruned:
    """What one pruning removed: run ids, published and quarantined, and Data Docs folders."""

    published: tuple[str, ...] = ()
    quarantined: tuple[str, ...] = ()
    docs_folders: int = 0

    def line(self, keep: int) -> str:
        """One log line, aggregates only."""
        return (
            f"keep_runs {keep}: removed {len(self.published)} older published and "
            f"{len(self.quarantined)} quarantined run(s), {self.docs_folders} Data Docs folder(s)"
        )


def prune_runs(output: Path, keep: int, *, current: str, docs: Path, title: str) -> Pruned:
    """Remove all but the newest ``keep`` published and quarantined runs of the job whose
    output is ``output``; ``current`` (the run that just ended) is never removed, whatever its
    place. ``docs`` is the job's Data Docs site, titled ``title`` when its index is rewritten.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    output = Path(output)
    published = _remove_oldest(output, keep, current)
    quarantined = _remove_oldest(output / "quarantine", keep, current)
    folders = forget_runs(Path(docs), set(published) | set(quarantined), title)
    return Pruned(tuple(published), tuple(quarantined), folders)


def run_ids(place: Path) -> list[str]:
    """The run folders directly in ``place``, oldest first (run ids sort by time)."""
    if not place.is_dir():
        return []
    return sorted(p.name for p in place.iterdir() if p.is_dir() and RUN_ID.match(p.name))


def _remove_oldest(place: Path, keep: int, current: str) -> list[str]:
    sweep_stale(place)
    removed = []
    for run_id in run_ids(place)[:-keep]:
        if run_id != current and remove_folder(place / run_id):
            removed.append(run_id)
    return removed
