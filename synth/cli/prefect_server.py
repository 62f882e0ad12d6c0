"""Prefect's temporary server, spawned at the command's first step.

With no ``PREFECT_API_URL``, Prefect starts a temporary server (uvicorn serving its
``create_app(ephemeral=True)``) at a flow's first call, and the command waits for it. Prefect
spawns it only after importing its whole server module in the command's own process, seconds
before the server itself begins to import, migrate and start. This module spawns the same server
before the command imports anything heavy, so that both processes work at once on two cores, and
points ``PREFECT_API_URL`` at it for the command's duration. A server that fails to come up
leaves the setting unset: Prefect then starts its own, as it would have, and reports its error.
On a machine with no Prefect database yet, the server finds one already created from the schema
Prefect's migrations leave (:mod:`synth.cli.prefect_database`), instead of migrating from nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext

from synth.cli.prefect_database import seed

STARTUP_FAILED = 3
"""``uvicorn.run``'s exit status when it could not start, as when its port was taken between our check
and its bind: Prefect's own start then tries another port, and so does this one, a few times.
"""
SERVER_SETTINGS = {"PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false"}
"""No UI, and no registration of Prefect's block types (seconds on a new database): runs use none."""
POINTED = ("PREFECT_API_URL", "PREFECT_UI_URL")


SERVE = """
import os, threading, time
def orphaned(parent=os.getppid()):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=orphaned, daemon=True).start()
import uvicorn; from prefect.server.api.server import create_app
uvicorn.run(create_app(ephemeral=True, final=True), host='127.0.0.1', port={port}, log_level='error',
            lifespan='on')
"""
"""The server's process: uvicorn serving Prefect's app in its ephemeral mode (only the services a
run needs), as Prefect's own temporary server; a program of its own, which imports nothing of
synth (pandas and the command line: a second more before the server is up). It ends itself
within a second of the command's end however that came (``kill -9`` included, where no exit
handler runs), so that no server outlives the command that spawned it.
"""


class TemporaryServer:
    """``with TemporaryServer() as server: ...; server.wait(); run flows``: spawned on entry
    unless a server is configured (or Prefect's temporary servers are switched off), stopped on
    exit with the settings restored.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._port = 0
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> TemporaryServer:
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE

        if not PREFECT_API_URL.value() and PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value():
            seed(_database_url())
            self._spawn()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def starting(self) -> str:
        """What the command does until :meth:`wait` returns, in words."""
        if self._process is None:
            return "loading the run's libraries"
        return "starting Prefect's temporary server"

    def flow_settings(self) -> AbstractContextManager:
        """Prefect's settings for the flows run on this server: no flow-run heartbeats. They let
        a server mark a run as crashed once its process stops beating, which a server that lives
        only as long as the command never needs; and the thread that sends them makes each
        flow's end wait out a second's sleep. A configured server keeps Prefect's defaults.
        """
        if self._process is None:
            return nullcontext()
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api"

    def wait(self) -> None:
        """Wait for the server's health check, up to Prefect's own startup timeout."""
        if self._process is None:
            return
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        respawns = 3
        while time.monotonic() < deadline:
            status = self._process.poll()
            if status == STARTUP_FAILED and respawns:
                respawns -= 1
                self._spawn()
            elif status is not None:
                break
            elif self._healthy():
                return
            time.sleep(0.1)
        self.stop()

    def stop(self) -> None:
        """Stop the server within a second, once Prefect has sent its last logs and events, and
        restore the settings. Prefect's own stop waits 5 s for uvicorn to close its connections.
        """
        if self._process is not None:
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            if self._process.poll() is None:
                with _quiet(APILogWorker, EventsWorker):
                    APILogWorker.drain_all()
                    EventsWorker.drain_all()
            _terminate(self._process)
            self._process = None
        self._point(self._saved)
        self._saved = {}

    def _spawn(self) -> None:
        """Spawn the server on a free port and point Prefect at it (no UI link to print)."""
        self._port = _free_port()
        self._process = subprocess.Popen(_command(self._port), env={**os.environ, **SERVER_SETTINGS})
        self._point({"PREFECT_API_URL": self.api_url, "PREFECT_UI_URL": ""})

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def _point(self, values: dict[str, str | None]) -> None:
        """Set (or unset, for None) Prefect's URL settings in the environment, and make Prefect
        read them again; the values they replace are kept once, for the restore.
        """
        if not values:
            return
        from prefect.context import refresh_global_settings_context

        for name in POINTED:
            self._saved.setdefault(name, os.environ.get(name))
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        refresh_global_settings_context()


@contextmanager
def _quiet(*services: type) -> Iterator[None]:
    """Prefect's queue services warn "Still processing items: N items remaining..." when they
    are drained with items queued, which a run that fails at once leaves: a stray line under
    the one-line error of bad input. The drain itself still waits for every item.
    """
    loggers = [logging.getLogger(service.__name__) for service in services]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _database_url() -> str:
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    return url.get_secret_value() if url is not None else ""


def _command(port: int) -> list[str]:
    return [sys.executable, "-c", SERVE.format(port=port)]


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
