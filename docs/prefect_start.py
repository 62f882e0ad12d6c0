"""How long Prefect's temporary server takes to start, the wait before a run's first flow: with
this machine's Prefect home (its database already made) and with an empty one, as on a machine
that has never run Prefect (the server then creates its database, every migration of it), and
with an empty one where the server registers none of Prefect's block types, as ``synth run``'s.

    python docs/prefect_start.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

PROBE = """
import time
started = time.perf_counter()
from prefect.server.api.server import SubprocessASGIServer
imported = time.perf_counter()
server = SubprocessASGIServer()
server.start()
print(f"{imported - started:.1f} {time.perf_counter() - imported:.1f}")
server.stop()
"""


def timed(home: str | None, **settings: str) -> tuple[float, float]:
    """Seconds to import Prefect's server module, and to start the server, in a new process."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", **settings}
    if home is not None:
        env["PREFECT_HOME"] = home
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    imported, started = done.stdout.split()[-2:]
    return float(imported), float(started)


def main() -> None:
    """Time both starts and print them."""
    print("Prefect home                    import s  start s")
    imported, started = timed(None)
    print(f"this machine's (database made)  {imported:>8.1f} {started:>8.1f}")
    with tempfile.TemporaryDirectory() as home:
        imported, started = timed(home)
    print(f"an empty one (first run)        {imported:>8.1f} {started:>8.1f}")
    with tempfile.TemporaryDirectory() as home:
        imported, started = timed(home, PREFECT_SERVER_REGISTER_BLOCKS_ON_START="false")
    print(f"an empty one, no block types    {imported:>8.1f} {started:>8.1f}")


if __name__ == "__main__":
    main()
