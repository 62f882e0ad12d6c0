"""Anonymeter's compiled neighbour search against ours (``synth.privacy.attacks.nearest_neighbours``)
on one table: 50 queries against 3,000 candidates of 4 numeric and 6 categorical columns, 5 %
of the values missing. Prints each one's seconds: anonymeter's first call (numba compiles it; it
keeps no cache), its second, ours on the whole block, and ours one query at a time as
anonymeter's ``kneighbors`` calls it; and whether the distances agree.

    python docs/neighbour_search.py
"""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    """Time both searches on the same arrays and check their distances agree."""
    import anonymeter.evaluators  # noqa: F401 - imports the module below past its import cycle
    from anonymeter.neighbors import mixed_types_kneighbors as knn

    from synth.privacy.attacks import nearest_neighbours

    compiled = knn._nearest_neighbors
    rng = np.random.default_rng(1)
    candidates = np.concatenate([rng.random((3000, 4)), rng.integers(0, 5, (3000, 6))], axis=1)
    queries = np.concatenate([rng.random((50, 4)), rng.integers(0, 5, (50, 6))], axis=1)
    candidates[rng.random(candidates.shape) < 0.05] = np.nan
    queries[rng.random(queries.shape) < 0.05] = np.nan
    for label, search in (
        ("anonymeter, first call", lambda: compiled(queries, candidates, 4, 7)),
        ("anonymeter, second call", lambda: compiled(queries, candidates, 4, 7)),
        ("ours, all queries at once", lambda: nearest_neighbours(queries, candidates, 4, 7)),
        (
            "ours, one query at a time",
            lambda: [nearest_neighbours(q[None], candidates, 4, 7) for q in queries],
        ),
    ):
        started = time.perf_counter()
        search()
        print(f"{label}: {time.perf_counter() - started:.3f} s")
    theirs, ours = compiled(queries, candidates, 4, 7)[1], nearest_neighbours(queries, candidates, 4, 7)[1]
    same = np.array_equal(theirs, ours, equal_nan=True)
    print(f"same distances: {same}")


if __name__ == "__main__":
    main()
