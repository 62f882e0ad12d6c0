"""The run folder: one object names every path of a run, and publishing is one rename.

``<output>/<run_id>/`` holds ``synthetic.parquet``, ``model/``, ``manifest.json`` (and later
the report and validation docs). A run is assembled in ``<output>/.<run_id>.partial/`` and
renamed into place only when every step succeeded; ``<output>/latest`` then names it. A failed
gate moves the synthetic data to ``<output>/quarantine/<run_id>/`` instead, so downstream
readers never see it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from synth.io.write import write_text


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run."""

    output: Path
    run_id: str

    @classmethod
    def create(cls, output: Path) -> RunFolder:
        """A new run id (UTC time, unique within ``output``) and its private work folder."""
        output = Path(output)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        run_id, n = stamp, 1
        while (output / run_id).exists() or (output / f".{run_id}.partial").exists():
            n += 1
            run_id = f"{stamp}-{n}"
        folder = cls(output, run_id)
        folder.work.mkdir(parents=True)
        return folder

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

    def path(self, name: str) -> Path:
        """A file inside the work folder (its final place after :meth:`publish`)."""
        return self.work / name

    def publish(self) -> Path:
        """Rename the assembled run into place and point ``latest`` at it."""
        os.replace(self.work, self.final)
        write_text(self.run_id + "\n", self.output / "latest")
        return self.final

    def quarantine_run(self) -> Path:
        """Move the assembled run to quarantine (a failed gate)."""
        self.quarantine.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.work, self.quarantine)
        return self.quarantine

    def discard(self) -> None:
        """Remove the work folder (a failed run leaves nothing behind)."""
        shutil.rmtree(self.work, ignore_errors=True)


def find_model(output: Path, *, fingerprint: str, model: dict, seed: int, schema: dict) -> Path | None:
    """The newest published run of this job whose model can be reused: same input fingerprint,
    model, parameters, seed and schema. Scheduled runs retrain only when the input changed.
    """
    output = Path(output)
    if not output.is_dir():
        return None
    for run in sorted(
        (p for p in output.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
    ):
        manifest_file = run / "manifest.json"
        if not manifest_file.is_file() or not (run / "model" / "model.json").is_file():
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
