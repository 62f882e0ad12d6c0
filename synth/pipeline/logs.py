"""The logger a stage writes to: the Prefect run's logger inside a flow run (so the UI shows
each stage's figures), else this package's (library calls from tests or notebooks).
"""

from __future__ import annotations

import logging


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The current flow or task run's logger, or ``synth.pipeline``'s outside one."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("synth.pipeline")
