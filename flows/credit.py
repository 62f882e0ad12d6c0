"""The ``credit`` flow: read -> validate input -> PD model -> (synthetic book: fit, draw,
privacy gate) -> calibrate -> baseline and stressed losses -> report -> publish.

A real book yields figures only: no row is written. A synthetic book is drawn from the job's
model (with the job's composition stresses) and passes the privacy gate before it is scored;
it is written only with ``write_book: true``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.pipeline import (
    RunResult,
    fit_model,
    infer,
    learn_rules,
    read_input,
    split_holdout,
    validate_input,
)
from synth import io
from synth.credit import CreditConfig, PDModel, build_book, default_counts, run_credit
from synth.credit.book import segment_labels, spec_from_job
from synth.credit.report import render_credit
from synth.manifest import build_manifest
from synth.privacy import gate as privacy
from synth.risk import parse_stress, sample_scenario
from synth.runs import RunFolder


@task(name="draw synthetic books", cache_policy=NO_CACHE)
def draw_books(model, rows: int, train, holdout, schema, job) -> tuple[list[pd.DataFrame], dict]:
    """``books`` synthetic loan books, each with its own draw of the composition stresses, each
    through the privacy gate; scenario k is then scored on book k mod books.
    """
    stresses = [parse_stress(s, model) for s in job.credit.stress]
    frames, verdicts = [], []
    for b in range(job.credit.books):
        drawn = sample_scenario(model, rows, stresses, seed=job.seed, scenario=b)
        kept, verdict = privacy.gate(drawn, train, holdout, schema, job.privacy, seed=job.seed + b)
        frames.append(kept)
        verdicts.append(
            {**verdict.to_dict(), "summary": verdict.summary().removeprefix("privacy gate failed: ")}
        )
    return frames, {"passed": all(v["passed"] for v in verdicts), "books": verdicts}


@task(name="simulate losses", cache_policy=NO_CACHE)
def simulate(book, config: CreditConfig, counts):
    """Calibrate, then the baseline and stressed loss distributions."""
    return run_credit(book, config, counts)


def _losses_frame(result) -> pd.DataFrame:
    columns = {"scenario": np.arange(result.figures["baseline"]["scenarios"])}
    for side, values in result.losses.items():
        columns[f"{side}_total"] = values.sum(axis=1)
        for s, name in enumerate(result.segments):
            columns[f"{side}:{name}"] = values[:, s]
    return pd.DataFrame(columns)


@flow(name="credit-risk", log_prints=False)
def credit_risk(job, progress=None) -> RunResult:
    """Run one ``credit`` job end to end; a failure leaves nothing where readers look."""
    spec = job.credit
    table = read_input(job)
    schema = infer(table, job)
    book_spec = spec_from_job(spec)
    book_spec.check(schema.names)
    run = RunFolder.create(job.output_dir())
    try:
        validate_input(table, schema, job, run)
        keys = tuple(c.name for c in schema.columns if not c.modelled)
        pd_model = PDModel(book_spec, exclude=keys, seed=job.seed) if spec.pd == "model" else None
        real_pd = pd_model.fit(table.frame) if pd_model else None
        frames, pds, extra = [table.frame], [real_pd], {}
        if spec.portfolio == "synthetic":
            train, holdout = split_holdout(table.frame, job)
            schema = learn_rules(train, schema, job)
            model = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint)
            frames, extra["privacy"] = draw_books(
                model, spec.book_rows or len(table.frame), train, holdout, schema, job
            )
            pds = [pd_model.predict(f) if pd_model else None for f in frames]
        segments = segment_labels(frames, book_spec)
        books = [build_book(f, book_spec, p, segments) for f, p in zip(frames, pds, strict=True)]
        counts = default_counts(table.frame, book_spec, spec.estimate_by) if spec.estimate_by else None
        config = CreditConfig(
            spec.scenarios, spec.correlation, spec.estimate_by, spec.factor_correlation, spec.downturn_years,
            spec.factor_shift, dict(spec.pd_multiplier), spec.workers, spec.scheduler, job.seed,
        )  # fmt: skip
        result = simulate(books, config, counts)
        stress = {
            k: v
            for k, v in spec.model_dump().items()
            if k in ("downturn_years", "factor_shift", "pd_multiplier", "stress") and v
        }
        manifest = build_manifest(
            job=job.model_dump(mode="json", by_alias=True),
            run_id=run.run_id,
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={"input": len(table.frame), "book": len(frames[0]), "books": len(frames)},
            model={
                "pd": "lightgbm, out-of-fold, calibrated to the default rate" if pd_model else str(spec.pd)
            },
            seed=job.seed,
            timings={},
            outputs={"losses": "losses.parquet", "manifest": "manifest.json", "report": "report.html"},
            extra={"credit": {"portfolio": spec.portfolio, "stress": stress, **result.to_dict()}, **extra},
        )
        io.write_parquet(_losses_frame(result), run.path("losses.parquet"))
        if spec.portfolio == "synthetic" and spec.write_book:
            for b, frame in enumerate(frames):
                io.write_parquet(
                    frame, run.path("book.parquet" if len(frames) == 1 else f"books/book-{b:03d}.parquet")
                )
        io.write_json(manifest, run.path("manifest.json"))
        io.write_text(render_credit(manifest, manifest["credit"], result.losses), run.path("report.html"))
        passed = extra.get("privacy", {}).get("passed", True)
        run_dir = run.publish() if passed else run.quarantine_run()
    except BaseException:
        run.discard()
        raise
    if not passed:
        from synth.errors import GateFailed

        failed = [
            f"book {b}: {v['summary']}" for b, v in enumerate(extra["privacy"]["books"]) if not v["passed"]
        ]
        raise GateFailed(f"privacy gate failed: {' / '.join(failed)}; nothing published, see {run_dir}")
    return RunResult(run_dir, manifest)
