"""Bounds on numbers a user passes in: checked at the edge, one clear line each.

NumPy seeds are 32-bit here (``default_rng`` accepts more, SDV and torch do not), and one
in-memory sample is capped so a typo (``--rows 99999999999999999999``) fails at once instead of
growing memory for minutes; larger draws go through ``synth simulate``, which writes in chunks.
"""

from __future__ import annotations

from synth.errors import JobError

MAX_SEED = 2**32 - 1
MAX_ROWS = 10_000_000


def check_seed(seed: int, option: str = "--seed") -> int:
    """A seed in ``[0, 2**32 - 1]``."""
    if not 0 <= seed <= MAX_SEED:
        raise JobError(f"{option} must be between 0 and {MAX_SEED:,}, got {seed}")
    return seed


def check_rows(rows: int | None, option: str = "--rows") -> int | None:
    """A positive row count no larger than :data:`MAX_ROWS` (``None`` passes)."""
    if rows is None:
        return None
    if rows < 1:
        raise JobError(f"{option} must be a positive integer, got {rows}")
    if rows > MAX_ROWS:
        raise JobError(
            f"{option}: at most {MAX_ROWS:,} rows in one sample, got {rows:,}; "
            "draw more with synth simulate, which writes in chunks"
        )
    return rows
