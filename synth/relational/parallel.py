"""A database's table models fitted side by side.

Each table's model learns from its own training frame, never from another table's model, so on
a machine with several cores the tables are fitted in worker processes, the largest first, each
worker with its share of the cores. Workers are spawned (a fresh interpreter: no thread or
random state inherited), and every model seeds itself, so the same input fits the same models
on the same machine. A small database is fitted in this process: starting a worker costs
seconds that it would not win back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

MIN_ROWS = 20_000  # rows of every modelled table together, below which one process fits them all


def workers_for(rows: int, tables: int, cores: int | None = None) -> int:
    """How many processes fit ``tables`` tables of ``rows`` rows in all (1: this one)."""
    cores = cores or os.cpu_count() or 1
    return 1 if rows < MIN_ROWS else max(1, min(cores, tables))


def fit_all(
    tasks: dict[str, Callable[[], Any]],
    sizes: dict[str, int],
    progress: Callable[[str], None] | None = None,
    parallel: bool = True,
) -> dict[str, Any]:
    """Run every task (a picklable call that fits and returns one table's model; ``sizes`` are
    the tables' training rows); the result per table name, in the tasks' order.
    ``parallel=False`` runs them all in this process.
    """
    workers = workers_for(sum(sizes.values()), len(tasks)) if parallel else 1
    if workers == 1:
        out = {}
        for name, task in tasks.items():
            if progress:
                progress(name)
            out[name] = task()
        return out
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_use_threads, initargs=(threads,)
    ) as pool:
        futures = {}
        for name in sorted(tasks, key=lambda n: -sizes[n]):
            if progress:
                progress(name)
            futures[name] = pool.submit(tasks[name])
        return {name: futures[name].result() for name in tasks}


def _use_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
