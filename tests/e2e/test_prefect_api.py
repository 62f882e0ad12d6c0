"""A data scientist's augmentation request through Prefect's API, parameters only: a local
Prefect server, ``synth``'s request deployments served beside it, and a run triggered with a
whole job as its parameter (no job file on the server) that publishes its run folder.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).parent / "prefect"

TRIGGER = """
import json, sys, time
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

name, job = sys.argv[1], json.loads(sys.argv[2])
with get_client(sync_client=True) as client:
    for _ in range(240):
        try:
            client.read_deployment_by_name(name)
            break
        except Exception:
            time.sleep(0.5)
run = run_deployment(name, parameters={"job": job}, timeout=900)
print(run.state.type.value)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the Prefect server exited"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError("the Prefect server did not come up")


@pytest.mark.slow
def test_an_augmentation_requested_through_the_api_is_published(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}  # fmt: skip
    env.pop("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    serving = None
    try:
        _wait_healthy(api, server)
        serving = subprocess.Popen(
            [sys.executable, "-c", "from flows.serve import serve_jobs; serve_jobs()"],
            env=env, cwd=ROOT, stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        job = {
            "name": "requested", "type": "augment", "seed": 0, "output": str(tmp_path / "runs"),
            "input": {"path": str(ROOT / "data" / "berka_loans.csv")},
            "model": {"name": "vae", "params": {"epochs": 3}},
            "privacy": {"attack_risk_max": 0.3},  # 682 loans: see data/jobs/berka_augment.yaml
            "augment": {"target": "default", "ratio": {"yes": 0.5}, "lift": False},
        }  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", TRIGGER, "augment/augment-request", json.dumps(job)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip().splitlines()[-1] == "COMPLETED", (tmp_path / "serve.log").read_text()[
            -3000:
        ]
    finally:
        for process in (serving, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    published = tmp_path / "runs" / (tmp_path / "runs" / "latest").read_text().strip()
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["job"]["augment"]["ratio"] == {"yes": 0.5} and manifest["privacy"]["passed"]
    assert (published / "augmented.parquet").is_file()
