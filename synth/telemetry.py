"""Telemetry of the packages synth runs, off unless a user turns it on.

Importing synth changes nothing in the process: the library itself never sends anything. The
command line and the flows, the two ways a job runs, call :func:`switch_off` as they start, so
Prefect's server, Great Expectations (before 1.24, which has none left) and the optional
TabularARGN engine's Hugging Face client stay quiet too. A user's own setting wins.
"""

from __future__ import annotations

import os

OFF = {
    "GX_ANALYTICS_ENABLED": "False",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def switch_off() -> None:
    """Set each telemetry switch to off where the environment does not set it already."""
    for name, value in OFF.items():
        os.environ.setdefault(name, value)
