"""Wall time of the demo, ``synth run``, as a new user meets it: with an empty Prefect home (a
machine that never ran Prefect: the server creates its database) and with this machine's; the
seconds until the flow's first line tell the start from the run itself, and the seconds from the
quality floor's line to the published line are the report's (plots, page, Data Docs' links).

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
LINE = r"^(\d\d:\d\d:\d\d\.\d+) \| INFO .* - {}"
FLOW_BEGINS = re.compile(LINE.format("Beginning flow run"), re.MULTILINE)
FLOOR = re.compile(LINE.format("quality floor"), re.MULTILINE)
PUBLISHED = re.compile(LINE.format("published: "), re.MULTILINE)


def timed(checkout: str | None, fresh_home: bool) -> tuple[float, float, float]:
    """Seconds until the flow's first line, of the report, and in all, of one ``synth run`` in an
    empty folder.
    """
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
    log = done.stderr + done.stdout
    day = datetime.fromtimestamp(started).strftime("%Y-%m-%d ")
    at = {
        name: datetime.strptime(day + line.search(log).group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        for name, line in (("begins", FLOW_BEGINS), ("floor", FLOOR), ("published", PUBLISHED))
    }
    return at["begins"] - started, at["published"] - at["floor"], ended - started


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
    times: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    print("round  checkout  Prefect home  flow begins s  report s  wall s")
    for round_ in range(1, args.rounds + 1):
        for name, checkout in checkouts.items():
            for home, fresh in (("empty", True), ("machine's", False)):
                flow, report, wall = timed(checkout, fresh)
                times.setdefault((name, home), []).append((flow, report, wall))
                print(f"{round_:>5}  {name:<8}  {home:<12}  {flow:>13.1f}  {report:>8.1f}  {wall:>6.1f}",
                      flush=True)  # fmt: skip
    print("medians")
    for (name, home), runs in times.items():
        flow, report, wall = (statistics.median(r[k] for r in runs) for k in range(3))
        print(f"       {name:<8}  {home:<12}  {flow:>13.1f}  {report:>8.1f}  {wall:>6.1f}")


if __name__ == "__main__":
    main()
