"""``synth bench --credit``: the loss engine's speed and memory at a size a bank would run.

The book: ``loans`` loans resampled from the bundled Berka loan book with their calibrated PDs
(out-of-fold, from the book's PD model), regions and loan amounts (jittered by a log-normal
factor), LGD 45 %. Then ``scenarios`` scenarios, one systematic factor, the correlation given,
and per-scenario losses written to Parquet. Timed per worker count in one run; peak RSS is the
whole process tree's. The closed-form check (homogeneous book against the Vasicek quantile)
runs beside it, so every speed figure comes with a correctness figure.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synth import io
from synth.credit.book import BookSpec, PDModel, build_book
from synth.credit.engine import Book, FactorModel, scenario_losses
from synth.credit.figures import mean, var
from synth.credit.run import CreditConfig, simulate_losses
from synth.credit.vasicek import asrf_quantile


def benchmark_book(loans: int, seed: int = 0) -> Book:
    """A large book resampled from the real Berka loans (PDs from their PD model)."""
    from synth.datasets import ROOT

    real = io.read(ROOT / "data" / "berka_loans.csv").frame
    spec = BookSpec("default", "yes", "loan_amount", 0.45, "region")
    pds = PDModel(spec, exclude=("loan_id", "account_id"), seed=seed).fit(real)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(real), loans)
    drawn = real.iloc[pick].reset_index(drop=True)
    drawn["loan_amount"] = drawn["loan_amount"] * rng.lognormal(0, 0.2, loans)
    return build_book(drawn, spec, pds[pick])


def _peak_rss_gib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 2**20


def closed_form_check(loans: int = 10_000, scenarios: int = 100_000) -> dict:
    """Homogeneous book, PD 2 %, rho 0.15, LGD 100 %: simulated against the ASRF quantile."""
    book = Book(np.full(loans, 0.02), np.ones(loans), np.zeros(loans, dtype=np.int64))
    started = time.perf_counter()
    losses = scenario_losses(book, FactorModel(0.15), range(scenarios), seed=0)[:, 0] / loans
    seconds = time.perf_counter() - started
    quantile, average = var(losses, 0.999), mean(losses)
    closed = asrf_quantile(0.02, 0.15, 0.999)
    return {
        "loans": loans,
        "scenarios": scenarios,
        "seconds": seconds,
        "var_99_9": quantile.to_dict(),
        "asrf_99_9": closed,
        "asrf_inside": quantile.low <= closed <= quantile.high,
        "mean": average.to_dict(),
        "pd_inside": average.low <= 0.02 <= average.high,
    }


def run_credit_bench(
    out_dir: Path, loans: int = 100_000, scenarios: int = 10_000, workers: tuple[int, ...] = (1, 2)
) -> dict:
    """Time the engine at each worker count, writing per-scenario losses each time."""
    book = benchmark_book(loans)
    rows = []
    for count in workers:
        config = CreditConfig(scenarios, correlation=0.1, workers=count, seed=0)
        started = time.perf_counter()
        losses = simulate_losses(book, FactorModel(0.1), config)
        frame = pd.DataFrame(losses, columns=list(book.segments)).assign(total=losses.sum(axis=1))
        path = Path(out_dir) / f"losses-workers{count}.parquet"
        io.write_parquet(frame.reset_index(names="scenario"), path)
        seconds = time.perf_counter() - started
        rows.append({"workers": count, "seconds": seconds, "peak_rss_gib": _peak_rss_gib()})
    return {"loans": loans, "scenarios": scenarios, "runs": rows, "closed_form": closed_form_check()}


def bench_markdown(result: dict) -> str:
    """The bench's figures as Markdown."""
    lines = [
        f"## synth bench --credit: {result['scenarios']:,} scenarios x {result['loans']:,} loans",
        "",
        "| workers | seconds | scenarios/s | peak RSS (GiB: this process + its largest worker) |",
        "|---|---|---|---|",
        *[
            f"| {r['workers']} | {r['seconds']:.1f} | {result['scenarios'] / r['seconds']:,.0f} | "
            f"{r['peak_rss_gib']:.2f} |"
            for r in result["runs"]
        ],
    ]
    check = result["closed_form"]
    q, m = check["var_99_9"], check["mean"]
    asrf = "inside" if check["asrf_inside"] else "OUTSIDE"
    pd_side = "inside" if check["pd_inside"] else "OUTSIDE"
    lines += [
        "",
        f"Closed form ({check['loans']:,} loans, PD 2 %, rho 0.15, {check['scenarios']:,} scenarios, "
        f"{check['seconds']:.1f} s): simulated VaR 99.9 % {q['value']:.4f} "
        f"[{q['low']:.4f}, {q['high']:.4f}], Vasicek {check['asrf_99_9']:.4f} ({asrf} the interval); "
        f"mean {m['value']:.4f} [{m['low']:.4f}, {m['high']:.4f}], PD 0.02 {pd_side}.",
    ]
    return "\n".join(lines) + "\n"
