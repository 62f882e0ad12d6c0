"""The temporary Prefect server ``synth run``, ``augment`` and ``simulate`` spawn at their first
step: a flow runs against it, Prefect starts no server of its own, and the settings and the
process are gone afterwards; a configured server is used instead, and none is spawned where
Prefect's temporary servers are switched off; a server that cannot start leaves Prefect's
setting as it was. A new home's database is seeded before the server starts, and flows on the
spawned server send no heartbeats; a server whose command was killed (``kill -9``) ends too.
Each case runs in a new process, as the command does, with a
Prefect home of its own (no database yet, as on a machine that never ran Prefect).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SPAWNED = """
import json, sys
from pathlib import Path
from prefect import flow
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_HOME
from synth.cli.prefect_server import TemporaryServer

@flow
def three() -> int:
    return 3

seeded = not (Path(PREFECT_HOME.value()) / "prefect.db").exists()
with TemporaryServer() as server:
    seeded = seeded and (Path(PREFECT_HOME.value()) / "prefect.db").exists()  # before the server began
    server.wait()
    during, process = PREFECT_API_URL.value(), server._process
    with server.flow_settings():
        result, heartbeat = three(), PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()
print(json.dumps({"during": during, "after": PREFECT_API_URL.value(), "result": result,
                  "exited": process.poll() is not None, "seeded": seeded, "heartbeat": heartbeat,
                  "prefect_started_its_own": "prefect.server.api.server" in sys.modules}))
"""

FAILING = """
import json, sys
import synth.cli.prefect_server as prefect_server
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY

spawned = []


def failing(port):
    spawned.append(port)
    return [sys.executable, "-c", "raise SystemExit(1)"]


prefect_server._command = failing
with prefect_server.TemporaryServer() as server:
    server.wait()
    during = PREFECT_API_URL.value()
    with server.flow_settings():
        heartbeat = PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()
print(json.dumps({"during": during, "after": PREFECT_API_URL.value(), "spawned": len(spawned),
                  "heartbeat": heartbeat}))
"""


KILLED = """
import time
from synth.cli.prefect_server import TemporaryServer
with TemporaryServer() as server:
    server.wait()
    print(server._process.pid, flush=True)
    time.sleep(300)
"""


def _environ(tmp_path, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    return environ | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        **env,
    }


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return "\tZ" not in Path(f"/proc/{pid}/status").read_text().split("State:")[1][:4]
    except (OSError, IndexError):
        return False


def _run(script: str, tmp_path, **env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script], env=_environ(tmp_path, **env), capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_flow_runs_on_the_spawned_server_and_nothing_is_left_behind(tmp_path):
    seen = _run(SPAWNED, tmp_path)
    assert seen["during"].startswith("http://127.0.0.1:") and seen["during"].endswith("/api")
    assert seen["result"] == 3
    assert seen["after"] is None and seen["exited"]
    assert not seen["prefect_started_its_own"]
    assert seen["seeded"]  # a new home's database is there before the server starts
    assert seen["heartbeat"] is None  # no heartbeats to a server that ends with the command


def test_a_configured_server_is_used_and_none_is_spawned(tmp_path):
    seen = _run(FAILING, tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert seen == {"during": "http://127.0.0.1:9/api", "after": "http://127.0.0.1:9/api", "spawned": 0,
                    "heartbeat": 180}  # fmt: skip


def test_none_is_spawned_where_prefect_s_temporary_servers_are_switched_off(tmp_path):
    seen = _run(FAILING, tmp_path, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="false")
    assert seen == {"during": None, "after": None, "spawned": 0, "heartbeat": 180}


def test_a_server_that_cannot_start_leaves_prefect_to_start_its_own(tmp_path):
    seen = _run(FAILING, tmp_path)
    assert seen == {"during": None, "after": None, "spawned": 1, "heartbeat": 180}


def test_a_server_ends_when_its_command_is_killed(tmp_path):
    command = subprocess.Popen([sys.executable, "-c", KILLED], env=_environ(tmp_path), cwd=tmp_path,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    server = int(command.stdout.readline())
    assert _running(server)
    command.send_signal(signal.SIGKILL)  # no exit handler runs
    command.wait()
    deadline = time.monotonic() + 15
    while _running(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    ended = not _running(server)
    if not ended:
        os.kill(server, signal.SIGKILL)
    assert ended


def test_stopping_keeps_prefect_s_drain_warnings_off_the_terminal(monkeypatch, caplog):
    import logging

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    from synth.cli.prefect_server import TemporaryServer

    def draining(cls, *args, **kwargs):
        logging.getLogger(cls.__name__).warning("Still processing items: 5 items remaining...")
        return True

    for service in (EventsWorker, APILogWorker):
        monkeypatch.setattr(service, "drain_all", classmethod(draining))
    server = TemporaryServer()
    server._process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    with caplog.at_level(logging.WARNING):
        server.stop()
    assert "Still processing items" not in caplog.text and server._process is None
    logging.getLogger("EventsWorker").warning("after the stop")  # its level is restored
    assert "after the stop" in caplog.text
