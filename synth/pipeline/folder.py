"""The run folder: one object names every path of a run, and publishing is one rename.

``<output>/<run_id>/`` holds ``synthetic.parquet``, ``model/``, ``manifest.json`` (and later
the report and validation docs). A run is assembled in ``<output>/.<run_id>.partial/`` and
renamed into place only when every step succeeded; ``<output>/latest`` then names it. A failed
gate moves the synthetic data to ``<output>/quarantine/<run_id>/`` instead, so downstream
readers never see it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from synth.errors import JobError
from synth.io.write import pid_alive, sweep_stale, write_text

OWNER_FILE = ".owner"
RUN_ID = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<number>\d{3}))?$")
"""A run folder's name: the UTC second the run started, numbered from the second run of it on."""


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run."""

    output: Path
    run_id: str

    @classmethod
    def create(cls, output: Path) -> RunFolder:
        """A new run id (UTC time, unique within ``output`` even for concurrent runs) and its
        private work folder, claimed by an exclusive ``mkdir``. Work folders and temporaries
        that dead processes left behind are removed first.
        """
        output = Path(output)
        if output.exists() and not output.is_dir():
            raise JobError(f"{output}: the output exists and is not a folder")
        output.mkdir(parents=True, exist_ok=True)
        sweep_abandoned(output)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        for n in range(_last_number(output, stamp) + 1, 1000):
            run_id = stamp if n == 1 else f"{stamp}-{n:03d}"
            folder = cls(output, run_id)
            if folder.final.exists() or folder.quarantine.exists():
                continue
            try:
                folder.work.mkdir()
            except FileExistsError:
                continue
            (folder.work / OWNER_FILE).write_text(f"{os.getpid()}\n")
            return folder
        raise JobError(f"{output}: could not find a free run id")

    @property
    def work(self) -> Path:
        """Where the run is assembled; never read by anyone else."""
        return self.output / f".{self.run_id}.partial"

    @property
    def final(self) -> Path:
        """Where the run is published."""
        return self.output / self.run_id

    @property
    def quarantine(self) -> Path:
        """Where a run that failed a gate is kept for inspection."""
        return self.output / "quarantine" / self.run_id

    def output_link(self, publish: bool) -> str:
        """The relative path from the run's final place (published or quarantined) to ``output``."""
        return os.path.relpath(self.output, self.final if publish else self.quarantine)

    @staticmethod
    def output_of(run_dir: Path) -> Path:
        """The job output a published or quarantined run folder belongs to."""
        run_dir = Path(run_dir)
        return run_dir.parent.parent if run_dir.parent.name == "quarantine" else run_dir.parent

    def path(self, name: str) -> Path:
        """A file inside the work folder (its final place after :meth:`publish`)."""
        return self.work / name

    def publish(self) -> Path:
        """Rename the assembled run into place and point ``latest`` at it, unless a run with a
        later id was published first (``latest`` follows run ids, not finishing order).
        """
        (self.work / OWNER_FILE).unlink(missing_ok=True)
        os.replace(self.work, self.final)
        with open(self.output / ".latest.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.output / "latest"
            newest = current.read_text().strip() if current.is_file() else ""
            if self.run_id > newest:
                write_text(self.run_id + "\n", current)
        return self.final

    def quarantine_run(self) -> Path:
        """Move the assembled run to quarantine (a failed gate)."""
        (self.work / OWNER_FILE).unlink(missing_ok=True)
        self.quarantine.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.work, self.quarantine)
        return self.quarantine

    def discard(self) -> None:
        """Remove the work folder (a failed run leaves nothing behind)."""
        shutil.rmtree(self.work, ignore_errors=True)


def _last_number(output: Path, stamp: str) -> int:
    """The highest number a run of this second already has (1 for ``stamp`` itself, n for
    ``stamp-00n``), published, quarantined or at work; 0 for none. A new run numbers past it,
    so ids keep growing within a second even after retention removed the older runs of it.
    """
    numbers = [0]
    for place in (output, output / "quarantine"):
        for name in os.listdir(place) if place.is_dir() else ():
            match = RUN_ID.match(name.removeprefix(".").removesuffix(".partial"))
            if match and match["stamp"] == stamp:
                numbers.append(int(match["number"] or 1))
    return max(numbers)


def sweep_abandoned(output: Path) -> list[Path]:
    """Remove run work folders (``.<run_id>.partial``) whose process died, and stale temporaries."""
    swept = sweep_stale(output)
    for work in output.glob(".*.partial"):
        owner = work / OWNER_FILE
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if not pid_alive(pid):
            shutil.rmtree(work, ignore_errors=True)
            swept.append(work)
    return swept


def find_model(
    output: Path, *, fingerprint: str, model: dict, seed: int, schema: dict, marker: str = "model.json"
) -> Path | None:
    """The newest published run of this job whose model can be reused: same input fingerprint,
    model, parameters, seed and schema. Scheduled runs retrain only when the input changed.
    ``marker`` is the file every saved model of the job's kind has.
    """
    output = Path(output)
    if not output.is_dir():
        return None
    for run in sorted(
        (p for p in output.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
    ):
        manifest_file = run / "manifest.json"
        if not manifest_file.is_file() or not (run / "model" / marker).is_file():
            continue
        try:
            manifest = json.loads(manifest_file.read_text())
        except json.JSONDecodeError:
            continue
        same = (
            manifest.get("input", {}).get("fingerprint") == fingerprint
            and manifest.get("job", {}).get("model") == model
            and manifest.get("seed") == seed
            and manifest.get("schema") == schema
        )
        if same:
            return run / "model"
    return None
