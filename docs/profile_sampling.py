"""Where a draw of our VAE spends its time, on one core: fit on Adult's training split as
``synth bench models`` does (fp32, default settings), draw once to warm up, then profile one
draw of as many rows as it trained on with one torch thread, and print torch's operator table,
the share of the draw that turning tokens into rows took, and what the matrix products alone
would allow.

One thread, because a draw on n cores runs n chunks of rows side by side, each on a thread of
its own (``synth.models.runtime.map_on_cores``), and the profiler sees only the thread that
started it: its table is one core's work. Hyper-parameters of the VAE may be set as
``name=value`` (``synth bench models --set`` takes the same).

    python docs/profile_sampling.py
    python docs/profile_sampling.py d_model=16 column_hidden=16 epochs=24
"""

from __future__ import annotations

import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile, record_function

from synth.datasets import load_dataset
from synth.models import build
from synth.models.vae import sampling
from synth.rules.select import rules_for
from synth.schema import infer_schema
from synth.split import split

PRODUCTS = ("aten::baddbmm", "aten::bmm", "aten::addmm", "aten::mm")


def _labelled(decode):
    def labelled(*args, **kwargs):
        with record_function("decode"):
            return decode(*args, **kwargs)

    return labelled


def main() -> None:
    """Fit, warm up, profile one draw; print the table."""
    sampling.decode = _labelled(sampling.decode)  # the network's share, labelled in the table
    dataset = load_dataset("adult")
    train, _ = split(dataset.frame, holdout=0.2, seed=0)
    schema = rules_for(train, infer_schema(train, table=dataset.name))
    settings = dict(arg.split("=", 1) for arg in sys.argv[1:])
    model = build("vae", **{"seed": 0, "precision": "fp32", **settings})
    model.fit(train, schema)
    torch.set_num_threads(1)
    model.sample(len(train), seed=1)
    started = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model.sample(len(train), seed=2)
    seconds = time.perf_counter() - started
    events = prof.key_averages()
    print(events.table(sort_by="self_cpu_time_total", row_limit=20))
    network = sum(e.cpu_time_total for e in events if e.key == "decode") / 1e6
    products = sum(e.self_cpu_time_total for e in events if e.key in PRODUCTS) / 1e6
    print(f"one draw of {len(train):,} rows on one core: {seconds:.3f} s under the profiler")
    print(f"decoding tokens (network, masks, draws): {network:.3f} s; the rest: {seconds - network:.3f} s")
    print(
        f"matrix products: {products:.3f} s; were everything else free, one core would draw "
        f"{len(train) / products:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
