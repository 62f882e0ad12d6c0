"""Train / holdout split. The holdout is real data the generator never sees: it is the
reference for privacy (DCR, membership inference) and for measuring utility and lift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.errors import InputError


def split(frame: pd.DataFrame, *, holdout: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shuffle with ``seed`` and cut off a ``holdout`` share; both parts get a fresh index."""
    if not 0 < holdout < 1:
        raise ValueError("holdout must be a share between 0 and 1")
    n_holdout = int(round(len(frame) * holdout))
    if n_holdout < 1 or len(frame) - n_holdout < 2:
        raise InputError(f"the input has {len(frame)} rows: too few to keep a holdout of {holdout:.0%}")
    order = np.random.default_rng(seed).permutation(len(frame))
    train = frame.iloc[np.sort(order[n_holdout:])].reset_index(drop=True)
    held = frame.iloc[np.sort(order[:n_holdout])].reset_index(drop=True)
    return train, held


def split_entities(
    events: pd.DataFrame, key: str, holdout: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and holdout events, split by entity: an entity's events stay together."""
    if not 0 < holdout < 1:
        raise ValueError("holdout must be a share between 0 and 1")
    keys = events[key].drop_duplicates().to_numpy()
    n_holdout = int(round(len(keys) * holdout))
    if n_holdout < 1 or len(keys) - n_holdout < 2:
        raise InputError(
            f"the input has {len(keys)} entities (key '{key}'): too few to keep a holdout of {holdout:.0%}"
        )
    rng = np.random.default_rng(seed)
    held = set(rng.choice(keys, n_holdout, replace=False).tolist())
    mask = events[key].isin(held)
    return events[~mask].reset_index(drop=True), events[mask].reset_index(drop=True)
