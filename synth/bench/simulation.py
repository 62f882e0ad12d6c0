"""The ``simulate`` benchmark: scenarios/s and rows/s written with each worker count, and the
peak resident memory of the whole process tree (flow process + Dask workers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synth.bench.memory import PeakMemory
from synth.simulation import DEFAULT_CHUNK_ROWS

Scenarios = Callable[..., dict[str, Any]]
"""``run(model_dir, out_dir, scenarios, rows, workers=n)``: the ``scenarios`` flow on n workers."""


def benchmark(
    run: Scenarios, model_dir: str, out_dir: str, scenarios: int, rows: int, workers: list[int]
) -> list[dict]:
    """One run per worker count, each timed and its peak memory watched."""
    results = []
    for n in workers:
        with PeakMemory() as peak:
            result = run(
                model_dir, f"{out_dir}/workers-{n}", scenarios, rows, chunk_rows=DEFAULT_CHUNK_ROWS, workers=n
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


def to_markdown(results: list[dict], scenarios: int, rows: int) -> str:
    """The benchmark's table: one row per worker count."""
    lines = [
        f"## synth bench simulate: {scenarios} scenarios x {rows:,} rows ({scenarios * rows:,} rows)",
        "",
        "| workers | seconds | scenarios/s | rows/s written | peak RSS (GiB, all processes) |",
        "|---|---|---|---|---|",
        *[
            f"| {r['workers']} | {r['seconds']:.1f} | {r['scenarios_per_second']:.2f} | "
            f"{r['rows_per_second']:,.0f} | {r['peak_rss_gib']:.2f} |"
            for r in results
        ],
    ]
    return "\n".join(lines) + "\n"
