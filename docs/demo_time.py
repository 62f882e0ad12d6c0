"""Wall time of the demo, ``synth run``, as a new user meets it: with an empty Prefect home (a
machine that never ran Prefect: the server creates its database) and with this machine's; the
seconds until the flow's first line tell the start from the run itself.

``--against PATH`` runs another checkout of synth (``git worktree add PATH COMMIT``) in turn
with this one, so that both meet the same moods of the machine:

    python docs/demo_time.py --rounds 3 --against /tmp/old
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

SYNTH = Path(sys.executable).parent / "synth"
FLOW_BEGINS = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) \| INFO .* Beginning flow run", re.MULTILINE)


def timed(checkout: str | None, fresh_home: bool) -> tuple[float, float]:
    """Seconds until the flow's first line, and in all, of one ``synth run`` in an empty folder."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if checkout:
        env["PYTHONPATH"] = checkout
    with tempfile.TemporaryDirectory() as folder:
        if fresh_home:
            env["PREFECT_HOME"] = str(Path(folder) / "prefect-home")
        started = time.time()
        done = subprocess.run([str(SYNTH), "run"], cwd=folder, env=env, capture_output=True, text=True)
        ended = time.time()
    if done.returncode != 0:
        raise SystemExit(f"synth run failed ({done.returncode}): {done.stderr[-2000:]}")
    begins = FLOW_BEGINS.search(done.stderr + done.stdout)
    day = datetime.fromtimestamp(started).strftime("%Y-%m-%d ")
    flow = datetime.strptime(day + begins.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp() - started
    return flow, ended - started


def main() -> None:
    """Run the variants in turn, ``--rounds`` times, and print each run and the medians."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="another checkout of synth, run in turn with this one")
    args = parser.parse_args()
    if not shutil.which(str(SYNTH)):
        raise SystemExit(f"no synth command at {SYNTH}: run this with the virtualenv's python")
    checkouts = {"this": None} | ({"against": args.against} if args.against else {})
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    print("round  checkout  Prefect home  flow begins s  wall s")
    for round_ in range(1, args.rounds + 1):
        for name, checkout in checkouts.items():
            for home, fresh in (("empty", True), ("machine's", False)):
                flow, wall = timed(checkout, fresh)
                times.setdefault((name, home), []).append((flow, wall))
                print(f"{round_:>5}  {name:<8}  {home:<12}  {flow:>13.1f}  {wall:>6.1f}", flush=True)
    print("medians")
    for (name, home), runs in times.items():
        flow = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        print(f"       {name:<8}  {home:<12}  {flow:>13.1f}  {wall:>6.1f}")


if __name__ == "__main__":
    main()
