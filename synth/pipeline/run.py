"""One run of a job: its folder, stage timings, output names, manifest, and the one decision
that ends it (publish, or quarantine); a run that fails on the way leaves nothing behind.

Flows use it as a context manager::

    with Run.start(job) as run:
        ...
        run.lap("fit")
        run.write("synthetic", frame)
        run.close(publish=verdict.passed)

Stage timings are kept here as well as in Prefect's UI: the manifest must say, offline and
without the server's database, how long each stage took. Prefect's task caching stays off
(``flows/tasks.py``): a scheduled job reuses its *model* by input fingerprint instead
(``stages.reuse_model``), because the model is a signed folder that must be copied into the
new run, not a return value Prefect could keep.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synth import io
from synth.errors import GateFailed
from synth.evaluation.floor import summary as quality_summary
from synth.jobs import Job
from synth.pipeline.folder import RunFolder
from synth.pipeline.logs import run_logger
from synth.pipeline.records import Manifest
from synth.pipeline.retention import prune_runs
from synth.validation.checks import DocsSite

DOCS_SITE = "data-docs"
"""The job's Data Docs site, a folder of its output beside the runs."""

OUTPUTS = {
    "synthetic": "synthetic.parquet",
    "augmented": "augmented.parquet",
    "entities": "entities.parquet",
    "events": "events.parquet",
    "losses": "losses.parquet",
    "book": "book.parquet",
    "books": "books/",
    "scenarios": "scenarios/",
    "tables": "tables/",
    "summary": "scenarios/summary.parquet",
    "model": "model/",
    "manifest": "manifest.json",
    "report": "report.html",
    "report_data": "report.json",
    "lift": "lift.md",
    "validation": "validation/",
}
"""Every name a run may write, by what it holds: readers and the manifest use these keys."""


@dataclass
class RunResult:
    """What a finished run produced."""

    run_dir: Path
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


class Run:
    """The folder, clock and outputs of one run of ``job`` (see module docstring)."""

    def __init__(self, job: Job, folder: RunFolder) -> None:
        self.job, self.folder = job, folder
        self.timings: dict[str, float] = {}
        self.final: Path | None = None
        self._clock = time.perf_counter()

    @classmethod
    def start(cls, job: Job) -> Run:
        """A new run folder under the job's output."""
        return cls(job, RunFolder.create(job.output_dir()))

    def __enter__(self) -> Run:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is not None and self.final is None:
            self.folder.discard()

    @property
    def run_id(self) -> str:
        """The run's id (UTC time of its start)."""
        return self.folder.run_id

    def lap(self, stage: str) -> None:
        """Close the stage that just ended: its seconds join the manifest's timings."""
        now = time.perf_counter()
        self.timings[stage] = now - self._clock
        self._clock = now

    @property
    def docs(self) -> DocsSite:
        """The job's Data Docs site, beside its runs and kept across them (``data-docs/``)."""
        return DocsSite(self.folder.output / DOCS_SITE, self.run_id, title=self.job.name)

    def docs_base(self, publish: bool) -> str:
        """The path from where the run will lie (published or quarantined) to the job's output
        folder, for links from the report to the Data Docs site.
        """
        return self.folder.output_link(publish)

    def path(self, key: str) -> Path:
        """Where the output ``key`` (a key of ``OUTPUTS``) is assembled."""
        return self.folder.path(OUTPUTS[key].rstrip("/"))

    def write(self, key: str, value: pd.DataFrame | dict | str, name: str | None = None) -> Path:
        """Write an output atomically: a frame as Parquet, a dict as JSON, a str as text.
        ``name`` places a part inside a folder output (``books``).
        """
        path = self.path(key) / name if name else self.path(key)
        if isinstance(value, pd.DataFrame):
            io.write_parquet(value, path)
        elif isinstance(value, dict):
            io.write_json(value, path)
        else:
            io.write_text(value, path)
        return path

    def manifest(self, *, outputs: tuple[str, ...], **fields: Any) -> dict[str, Any]:
        """The run's manifest, checked against :class:`Manifest`: the job, run id, seed and
        timings come from the run; ``outputs`` names the keys of ``OUTPUTS`` it lists.
        """
        return Manifest.assemble(
            job=self.job.model_dump(mode="json", by_alias=True),
            run_id=self.run_id,
            seed=self.job.seed,
            timings=self.timings,
            outputs={key: OUTPUTS[key] for key in outputs},
            **fields,
        )

    def close(self, publish: bool) -> Path:
        """Publish the run (one rename, ``latest`` updated) or move it to quarantine; then, with
        the job's ``keep_runs``, remove its older runs (:mod:`synth.pipeline.retention`).
        """
        self.final = self.folder.publish() if publish else self.folder.quarantine_run()
        if self.job.keep_runs is not None:
            self._prune(self.job.keep_runs)
        return self.final

    def _prune(self, keep: int) -> None:
        """Retention, once the run has ended: a failure is a warning, as the run stands."""
        output = self.folder.output
        try:
            pruned = prune_runs(
                output, keep, current=self.run_id, docs=output / DOCS_SITE, title=self.job.name
            )
        except OSError as error:
            run_logger().warning("keep_runs %d: older runs not removed: %s", keep, error)
            return
        run_logger().info(pruned.line(keep))


def refuse_unpublished(verdict, output_check, suite, run_dir: Path, what: str, quality=()) -> None:
    """Raise for a quarantined run: the failed privacy checks first, then the quality floor's,
    then the output suite's.
    """
    if not verdict.passed:
        raise GateFailed(
            f"{verdict.summary()}; nothing published, the run is in {run_dir}",
            verdict.to_dict()["checks"],
        )
    if not all(c.passed for c in quality):
        raise GateFailed(f"{quality_summary(list(quality))}; nothing published, the run is in {run_dir}")
    if output_check is not None and not output_check.success:
        lines = "; ".join(o.line() for o in output_check.failed[:5])
        raise GateFailed(
            f"synthetic {what} failed suite '{suite.name}': {lines}; nothing published, see {run_dir}"
        )
