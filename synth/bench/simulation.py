"""The ``simulate`` benchmark: scenarios/s and rows/s written with each worker count, and the
peak resident memory of the whole process tree (flow process + Dask workers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synth.bench.memory import PeakMemory
from synth.simulation import DEFAULT_CHUNK_ROWS

Simulate = Callable[..., dict[str, Any]]
"""``simulate(model_dir, out_dir, scenarios, rows, stresses, metrics, seed, chunk_rows)`` on
``workers`` workers: the flow, with its task runner chosen by the caller."""


def benchmark(
    simulate_on: Callable[[int], Simulate],
    model_dir: str,
    out_dir: str,
    scenarios: int,
    rows: int,
    workers: list[int],
) -> list[dict]:
    """One run per worker count; ``simulate_on(n)`` gives the flow running on ``n`` workers."""
    results = []
    for n in workers:
        with PeakMemory() as peak:
            result = simulate_on(n)(
                model_dir, f"{out_dir}/workers-{n}", scenarios, rows, [], [], 0, DEFAULT_CHUNK_ROWS
            )
        results.append(
            {
                "workers": n,
                "scenarios": scenarios,
                "rows_per_scenario": rows,
                "seconds": result["seconds"],
                "scenarios_per_second": scenarios / result["seconds"],
                "rows_per_second": result["rows_written"] / result["seconds"],
                "peak_rss_gib": peak.gib,
            }
        )
    return results
