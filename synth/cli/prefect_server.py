"""Prefect's temporary server, started while the command does its own work.

With no ``PREFECT_API_URL``, Prefect starts a temporary server (a uvicorn process) at a flow's
first call, and the command waits for it. Started when the command begins (the server's module
imported first, alone, so that the process is spawned at once; the thread then only waits for
it), it comes up while the command imports the libraries the run needs, which takes as long.
"""

from __future__ import annotations

import atexit
import importlib
import subprocess
import threading
from collections.abc import Iterable


class TemporaryServer:
    """The background start; :meth:`wait` before the first flow call."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._server = None

    def start(self) -> TemporaryServer:
        """Start the server on a thread, unless a server is configured."""
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            from prefect.server.api.server import SubprocessASGIServer  # here: no import on two threads

            self._server = SubprocessASGIServer()
            self._thread = threading.Thread(
                target=self._start, args=(self._server,), name="prefect-server", daemon=True
            )
            self._thread.start()
        return self

    @staticmethod
    def _start(server) -> None:
        try:
            server.start()
        except Exception:  # noqa: BLE001 - the flow's own start retries it and reports the error
            return

    def wait(self, preload: Iterable[str] = ()) -> None:
        """Import ``preload`` (modules the run needs anyway) while the server starts, then wait."""
        for module in preload:
            importlib.import_module(module)
        if self._thread is not None:
            self._thread.join()
            atexit.register(self._stop, self._server)

    @staticmethod
    def _stop(server) -> None:
        """Stop the server within a second, after Prefect has sent its last logs and events.

        Registered after Prefect's own stop, so it runs first. Prefect's waits 5 s for uvicorn to
        close its connections, and some runs spent all of it before the kill.
        """
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all()
        EventsWorker.drain_all()
        process = server.server_process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
