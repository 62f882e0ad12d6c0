"""How a job's validations grow with its history: the bundled Adult sample validated against its
profiled suite as a run does it (input, output and rules: three validations into the job's Data
Docs site), run after run into one site. Prints the seconds of the three at chosen runs.

    python docs/data_docs_growth.py --runs 60
    python docs/data_docs_growth.py --runs 60 --code /tmp/old     # another checkout's synth

A nightly job's site keeps every run; if a validation read back what the site holds, its
seconds would grow with the job's age.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

SHOWN = {1, 2, 5, 10, 20, 40, 60, 80, 100, 150, 200, 300}


def main() -> None:
    """Validate the sample ``--runs`` times into one site; print the chosen runs' seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--code", type=Path, help="a checkout whose synth to import (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or Path(__file__).resolve().parents[1]).resolve()))
    import pandas as pd

    import synth
    from synth.resources import bundled
    from synth.schema import infer_schema
    from synth.validation.checks import DocsSite, validate_frame
    from synth.validation.suites import load_suite, profile_suite, save_suite

    print(f"synth from {Path(synth.__file__).parent}")
    frame = pd.read_csv(bundled("data", "adult_sample.csv"))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = save_suite(profile_suite(frame, infer_schema(frame, table="adult"), "adult"), "suite", root)
        suite = load_suite(str(path))
        for run in range(1, args.runs + 1):
            docs = DocsSite(root / "site", f"run-{run:04d}", title="adult")
            started = time.perf_counter()
            for label in ("input", "output", "rules"):
                validate_frame(frame, suite, docs=docs, label=label)
            if run in SHOWN or run == args.runs:
                print(f"run {run}: three validations {time.perf_counter() - started:.2f} s", flush=True)


if __name__ == "__main__":
    main()
