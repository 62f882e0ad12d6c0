"""Files that ship with synth: the demo data and job, the bundled suites, the scheduled jobs.

In a clone (or an editable install) they are in the source tree beside ``synth/``; a wheel
installs them under ``<prefix>/share/synth/`` (``[tool.setuptools.data-files]``), since the
layout keeps ``data/`` and ``expectations/`` at the top level. :func:`bundled` finds them in
either place, so ``synth run`` works from any directory after ``pip install .``.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_ROOT = Path(sys.prefix) / "share" / "synth"


def bundled(*parts: str) -> Path:
    """A shipped file or folder: the source tree's if there is one, else the installed copy."""
    in_source_tree = (SOURCE_ROOT / "pyproject.toml").is_file()  # not site-packages
    for root in (SOURCE_ROOT, INSTALLED_ROOT) if in_source_tree else (INSTALLED_ROOT,):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return SOURCE_ROOT.joinpath(*parts)


def suite_folders() -> list[Path]:
    """Where a suite named in a job is looked for: ``./expectations`` first, then the bundled."""
    return [Path.cwd() / "expectations", bundled("expectations")]
