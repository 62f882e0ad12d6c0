"""The manifest of a run, typed, and the records of each stage that go into it.

Aggregates only: fingerprints, counts, parameters, figures, rule names. Never a value of the
real data.
"""

from __future__ import annotations

import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from synth.rules.check import violations
from synth.schema import Schema
from synth.validation.checks import DocsSite, Validation

PACKAGES = ("synth", "sdv", "torch", "pandas", "numpy", "pyarrow", "prefect", "great-expectations")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class InputRecord(BaseModel):
    """What was read: where from, and the fingerprint that keys model reuse."""

    source: str
    fingerprint: str


class Manifest(BaseModel):
    """``manifest.json``. The sections every run has are required; a flow adds its own
    (``privacy``, ``quality``, ``rules``, ``validation``, ``fidelity``, ``augment``, ``lift``,
    ``credit``, ``risk``); an unknown section is an error, not a silent new key.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    run_id: str
    job: dict[str, Any]
    input: InputRecord
    schema_: dict[str, Any] = Field(alias="schema")
    rows: dict[str, int]
    model: dict[str, Any]
    seed: int
    timings_seconds: dict[str, float]
    outputs: dict[str, str]
    versions: dict[str, str]
    privacy: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    validation: dict[str, Any] | None = None
    fidelity: dict[str, Any] | None = None
    augment: dict[str, Any] | None = None
    lift: dict[str, Any] | None = None
    credit: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None

    @classmethod
    def assemble(
        cls,
        *,
        input_source: str,
        fingerprint: str,
        timings: dict[str, float],
        **fields: Any,
    ) -> dict[str, Any]:
        """A checked manifest as the JSON-ready dict runs write and readers load."""
        manifest = cls(
            input=InputRecord(source=input_source, fingerprint=fingerprint),
            timings_seconds={k: round(v, 3) for k, v in timings.items()},
            versions=package_versions(),
            **fields,
        )
        return manifest.model_dump(by_alias=True, exclude_none=True)


def model_record(model, reused_from: str | None = None) -> dict[str, Any]:
    """The manifest's ``model`` entry: name, parameters, reuse and training history."""
    history = dict(model.history or {})
    return {
        "name": model.name,
        "params": model.params(),
        "reused_from": reused_from,
        **({"training": history} if history else {}),
    }


def validation_record(input_check: Validation, output_check: Validation | None, docs: DocsSite) -> dict:
    """The manifest's ``validation`` entry. Data Docs pages are named relative to the job's
    output folder, where the ``docs`` site lives (``site``: its index, every run of the job).
    """
    output = docs.root.parent
    validation = {"input": _relative(input_check.to_dict(), output)}
    if output_check is not None:
        validation["output"] = _relative(output_check.to_dict(), output)
    if docs.index.is_file():
        validation["site"] = _relative_path(docs.index, output)
    return validation


COUNTS = ("detection_rows", "holdout_positives", "holdout_negatives", "real_matched_auc")
"""Figures the floor's intervals need, kept with its verdict rather than among the scores."""


def quality_record(checks: list, figures: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest's ``quality`` entry: the checks and the figures they were judged with."""
    return {
        "passed": all(c.passed for c in checks),
        "checks": [asdict(c) for c in checks],
        **(figures or {}),
    }


def rules_record(schema: Schema, synthetic: pd.DataFrame, model) -> dict[str, Any]:
    """The manifest's ``rules`` entry: each rule (no values), its violations in the published
    rows, and the repairs sampling needed (the last resort, counted).
    """
    broken = violations(synthetic, schema.rules)
    return {
        "rules": [{**r.summary(), "violations": broken[r.name]} for r in schema.rules],
        "violations": sum(broken.values()),
        "repairs": dict(getattr(model, "repairs", {}) or {}),
    }


def _relative(result: dict, root: Path) -> dict:
    if result.get("docs"):
        result["docs"] = _relative_path(result["docs"], root)
    return result


def _relative_path(path: str | Path, root: Path) -> str:
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
