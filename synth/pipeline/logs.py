"""The logger a stage writes to: the Prefect run's logger inside a flow run (so the UI shows
each stage's figures), else this package's (library calls from tests or notebooks).
"""

from __future__ import annotations

import logging

from synth.errors import SynthError

PREFECT_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.flow_engine", "prefect.task_engine")


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The current flow or task run's logger, or ``synth.pipeline``'s outside one."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("synth.pipeline")


class OneLineSynthErrors(logging.Filter):
    """Prefect logs a failed run's exception with its traceback; ours are one-line messages
    (bad input, a failed verdict), so their records keep the message and lose the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SynthError):
            record.exc_info, record.exc_text = None, None
            record.msg, record.args = record.getMessage().split("\nTraceback")[0], ()
        return True


def one_line_synth_errors() -> None:
    """Install :class:`OneLineSynthErrors` on Prefect's run loggers (once)."""
    for name in PREFECT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineSynthErrors) for f in logger.filters):
            logger.addFilter(OneLineSynthErrors())
