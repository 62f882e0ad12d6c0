"""Where a bench's result goes: its Markdown table and its figures as JSON, side by side."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from synth.io import write_json, write_text


def write_result(result: Any, out_dir: Path, stem: str, payload: Any = None) -> tuple[Path, Path]:
    """``<stem>.md`` (``result.to_markdown()``) and ``<stem>.json`` (``payload``, else the
    result's fields; numpy numbers as floats) in ``out_dir``, each written atomically.
    """
    out_dir = Path(out_dir)
    figures = json.loads(json.dumps(asdict(result) if payload is None else payload, default=float))
    md = write_text(result.to_markdown(), out_dir / f"{stem}.md")
    return md, write_json(figures, out_dir / f"{stem}.json")
