"""What every plot of a report shares, whichever draws it (Matplotlib's PNGs, our SVG): one
colour per side, real first, and tick labels cut to a length that leaves room for the bars.
"""

from __future__ import annotations

from typing import Any

REAL, SYNTHETIC = "#1f4e79", "#e07b39"
LABEL_CHARS = 22


def short(label: Any, chars: int = LABEL_CHARS) -> str:
    """A tick label cut to ``chars`` characters, marked with an ellipsis when cut."""
    text = str(label)
    return text if len(text) <= chars else text[: chars - 1] + "…"
