"""Two ways of running our VAE's draw, measured against each other in one process: its chunks of
rows side by side, one per core with one torch thread each (the default), or one after another
with torch's threads splitting every operator (as before). Fit once on Adult's training split as
``synth bench models`` does (fp32, default settings, ``--epochs`` to shorten), then draw as many
rows as it trained on each way in turn, ``--rounds`` times; print each way's median and best
rows/s. Both draw the same rows.

Interleaved in one process because this project's shared machines change speed by a third from
one minute to the next: two ``synth bench`` runs, one per commit, compare the machine's moods.

    python docs/sampling_ab.py --rounds 14
"""

from __future__ import annotations

import argparse
import statistics
import time

from synth.datasets import load_dataset
from synth.models import build
from synth.models.vae import model as vae_model
from synth.rules.select import rules_for
from synth.schema import infer_schema
from synth.split import split


def in_turn(fn, items, device, done=None):
    """The draw's chunks one after another on this thread, torch's threads splitting each operator."""
    return [fn(item) for item in items]


VARIANTS = {
    "chunks in turn, torch's threads": in_turn,
    "a chunk per core (the default)": vae_model.map_on_cores,
}


def main() -> None:
    """Fit, then time every variant ``--rounds`` times, interleaved; print medians and bests."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=14)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    dataset = load_dataset("adult")
    train, _ = split(dataset.frame, holdout=0.2, seed=0)
    schema = rules_for(train, infer_schema(train, table=dataset.name))
    model = build("vae", seed=0, precision="fp32", **({"epochs": args.epochs} if args.epochs else {}))
    model.fit(train, schema)
    model.sample(len(train), seed=1)
    seconds = {name: [] for name in VARIANTS}
    for round_ in range(args.rounds):
        for name, mapper in VARIANTS.items():
            vae_model.map_on_cores = mapper
            started = time.perf_counter()
            model.sample(len(train), seed=2 + round_)
            seconds[name].append(time.perf_counter() - started)
    print(f"{len(train):,} rows a draw, {args.rounds} rounds")
    for name, times in seconds.items():
        median, best = len(train) / statistics.median(times), len(train) / min(times)
        print(f"{name:32s} median {median:>9,.0f} rows/s   best {best:>9,.0f} rows/s")


if __name__ == "__main__":
    main()
