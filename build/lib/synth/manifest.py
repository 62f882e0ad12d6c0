"""``manifest.json``: what a run read, how it modelled it, what it wrote, and how long it took.

Aggregates only: fingerprints, counts, parameters, figures. Never a raw value of real data.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

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


def build_manifest(
    *,
    job: dict[str, Any],
    run_id: str,
    input_source: str,
    fingerprint: str,
    schema: dict[str, Any],
    rows: dict[str, int],
    model: dict[str, Any],
    seed: int,
    timings: dict[str, float],
    outputs: dict[str, str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest of one run."""
    return {
        "run_id": run_id,
        "job": job,
        "input": {"source": input_source, "fingerprint": fingerprint},
        "schema": schema,
        "rows": rows,
        "model": model,
        "seed": seed,
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "outputs": outputs,
        "versions": package_versions(),
        **(extra or {}),
    }
