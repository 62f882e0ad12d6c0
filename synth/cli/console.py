"""What every command shares: the consoles, the progress bar, reading a table with its notes,
option checks, and Prefect's logging kept to one line per failure.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager, nullcontext

from rich.console import Console

from synth.errors import JobError, SynthError
from synth.pipeline.logs import one_line_synth_errors

err = Console(stderr=True)
out = Console()


def quiet_environment() -> None:
    """Settings of the command line's process: telemetry off (``synth.telemetry``), a patient
    start of Prefect's temporary server on a busy machine (its 20 s default fails there), and no
    SDV tqdm bars interleaved with ours in logs. A user's own values win.
    """
    from synth.telemetry import switch_off

    switch_off()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("TQDM_DISABLE", "1")


@contextmanager
def progress_bar():
    """A rich progress bar fed by models' ``(stage, done, total)`` callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[figures]}"),
        console=err,
        transient=False,
        disable=not err.is_terminal and "SYNTH_PROGRESS" not in os.environ,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int, **figures: float) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total, figures="")
        shown = "  ".join(f"{name} {value:.4g}" for name, value in figures.items())
        bar.update(tasks[stage], completed=done, total=total, **({"figures": shown} if figures else {}))

    with bar:
        yield update


@contextmanager
def starting(what: str):
    """A phase that logs nothing of its own (imports, a server's start): a spinner naming it on
    a terminal, so that no run looks hung, then a line with the seconds it took. A phase that
    fails prints nothing: its error is the command's one line.
    """
    started = time.perf_counter()
    with err.status(what) if err.is_terminal else nullcontext():
        yield
    err.print(f"{what}: done in {time.perf_counter() - started:.1f} s", highlight=False, soft_wrap=True)


def _synth_error_names() -> set[str]:
    import synth.errors as errors

    return {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, SynthError)
    }


class _NoSynthErrorsOnConsole(logging.Filter):
    """On the terminal a SynthError is the one ``error:`` line main() prints; Prefect's own
    lines about the same failure (task failed, flow failed, final state) would repeat it.
    Only the console handler is filtered: Prefect's UI and API still get those records.
    """

    _NAMES = re.compile(r"\b(" + "|".join(sorted(_synth_error_names())) + r")\b[(:]")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SynthError):
            return False
        return not self._NAMES.search(record.getMessage())


def quiet_prefect_tracebacks() -> None:
    """One line per SynthError in Prefect's logs, and none on the console (main() prints it)."""
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    one_line_synth_errors()
    ensure_logging_setup()
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                handler.addFilter(_NoSynthErrorsOnConsole())


def read_table(source):
    """Read a table, printing what was read other than as written (one note per column)."""
    from synth import io

    table = io.read(source)
    for note in table.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    return table


def positive(value: int | None, option: str) -> None:
    if value is not None and value < 1:
        raise JobError(f"{option} must be a positive integer, got {value}")
