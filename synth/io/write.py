"""Atomic writers: every file is written under a temporary name in its final folder, then
renamed into place, so a reader never sees a half-written Parquet, JSON or model file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        elif temporary.exists():
            temporary.unlink()


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``path``; if the block succeeds the staging folder
    replaces ``path`` (old content is removed only once the new folder is in place).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial-{os.getpid()}")
    trash = path.with_name(f".{path.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        if path.exists():
            os.replace(path, trash)
        os.replace(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)


def remove_folder(path: Path) -> bool:
    """Remove a folder so that no reader sees half of it: one rename to ``.<name>.gone-<pid>``,
    then the delete (what a killed process leaves, :func:`sweep_stale` removes). False when it
    was gone already, or another process is removing it.
    """
    path = Path(path)
    gone = path.with_name(f".{path.name}.gone-{os.getpid()}")
    try:
        os.replace(path, gone)
    except OSError:
        return False
    shutil.rmtree(gone, ignore_errors=True)
    return True


_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|partial|old|gone)-(?P<pid>\d+)$")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporaries that dead processes left in ``folder`` (a ``kill -9`` mid-write).

    Names are ``.<name>.tmp-<pid>``, ``.<name>.partial-<pid>``, ``.<name>.old-<pid>`` and
    ``.<name>.gone-<pid>`` (a folder being removed); those of live processes are left alone. An
    ``.old`` folder whose replacement never arrived (killed between the two renames of
    :func:`atomic_folder`) is renamed back into place instead.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    swept = []
    for entry in sorted(folder.iterdir()):
        match = _STALE.match(entry.name)
        if not match or pid_alive(int(match["pid"])):
            continue
        target = folder / match["name"]
        if match["what"] == "old" and not target.exists():
            os.replace(entry, target)
        elif entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        swept.append(entry)
    return swept


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write a DataFrame as one Parquet file, atomically, keeping column names and dtypes."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary, compression="zstd")
    return Path(path)


def write_json(payload: Any, path: Path) -> Path:
    """Write JSON atomically (sorted keys, so equal payloads give equal bytes)."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    return Path(path)


def write_text(text: str, path: Path) -> Path:
    """Write a text file atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)
    return Path(path)
