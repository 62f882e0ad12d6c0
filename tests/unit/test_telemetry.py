"""Importing synth changes nothing in the process; the flows and the command line switch the
packages' telemetry off as they start, unless the user set a switch."""

import os
import subprocess
import sys

from synth.telemetry import OFF

PROBE = "import os, json, {module}; print(json.dumps({{k: os.environ.get(k) for k in {names!r}}}))"


def _environment_after(module: str, **preset: str) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if k not in OFF}
    env.update(preset)
    code = PROBE.format(module=module, names=sorted(OFF))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_library_sets_nothing():
    assert set(_environment_after("synth").values()) == {None}


def test_the_flows_switch_telemetry_off_but_keep_a_users_choice():
    assert _environment_after("flows") == OFF
    assert _environment_after("flows", DO_NOT_TRACK="0")["DO_NOT_TRACK"] == "0"


def test_the_command_line_switches_it_off(monkeypatch):
    from synth.cli.console import quiet_environment

    for name in OFF:
        monkeypatch.delenv(name, raising=False)
    quiet_environment()
    assert {name: os.environ[name] for name in OFF} == OFF
