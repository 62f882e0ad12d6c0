"""The Prefect flows, found by name through the ``synth.flows`` entry-point group.

The flows wire the library's stages, so the library must not import them: the ``flows`` package
registers each flow in ``pyproject.toml`` and the command line asks for one by name (a job's
``type``, or ``scenarios``, ``serve``, ``deployments``). Another package can register its own.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from synth.errors import JobError

GROUP = "synth.flows"


def flow(name: str) -> Any:
    """The flow (or serving function) registered as ``name``; a clear error when none is."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise JobError(
            f"no flow '{name}' is registered in the '{GROUP}' entry points (registered: {known}); "
            "reinstall synth (pip install -e .)"
        )
    return found[name].load()
