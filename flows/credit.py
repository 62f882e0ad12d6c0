"""The ``credit`` flow: read -> validate input -> PD model -> (synthetic book: fit, draw,
privacy gate) -> calibrate -> baseline and stressed losses -> report -> publish.

A real book yields figures only: no row is written. A synthetic book is drawn from the job's
model (with the job's composition stresses) and passes the privacy gate before it is scored;
it is written only with ``write_book: true``.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.tasks import fit_model, infer, learn_rules, read_input, split_holdout, validate_input
from synth.credit import PDModel, build_book, default_counts, run_credit
from synth.credit.book import segment_labels, spec_from_job
from synth.credit.report import render_credit
from synth.credit.stages import config_from_job, credit_record, draw_books, losses_frame, privacy_failure
from synth.errors import GateFailed
from synth.pipeline.run import Run, RunResult

draw_books_task = task(name="draw synthetic books", cache_policy=NO_CACHE)(draw_books)
simulate = task(name="simulate losses", cache_policy=NO_CACHE)(run_credit)
PD_MODEL = "lightgbm, out-of-fold, calibrated to the default rate"


@flow(name="credit-risk", log_prints=False)
def credit_risk(job, progress=None) -> RunResult:
    """Run one ``credit`` job end to end; a failure leaves nothing where readers look."""
    spec = job.credit
    table = read_input(job)
    schema = infer(table, job)
    book_spec = spec_from_job(spec)
    book_spec.check(schema.names)
    with Run.start(job) as run:
        validate_input(table, schema, job, run.path("validation"), run.docs)
        keys = tuple(c.name for c in schema.columns if not c.modelled)
        pd_model = PDModel(book_spec, exclude=keys, seed=job.seed) if spec.pd == "model" else None
        frames, pds, gate = [table.frame], [pd_model.fit(table.frame) if pd_model else None], None
        if spec.portfolio == "synthetic":
            train, holdout = split_holdout(table.frame, job)
            schema = learn_rules(train, schema, job)
            model = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint).model
            rows = spec.book_rows or len(table.frame)
            frames, gate = draw_books_task(model, rows, train, holdout, schema, job)
            pds = [pd_model.predict(f) if pd_model else None for f in frames]
        segments = segment_labels(frames, book_spec)
        books = [build_book(f, book_spec, p, segments) for f, p in zip(frames, pds, strict=True)]
        counts = default_counts(table.frame, book_spec, spec.estimate_by) if spec.estimate_by else None
        result = simulate(books, config_from_job(job), counts)
        manifest = run.manifest(
            outputs=("losses", "manifest", "report"),
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={"input": len(table.frame), "book": len(frames[0]), "books": len(frames)},
            model={"pd": PD_MODEL if pd_model else str(spec.pd)},
            credit=credit_record(job, result),
            privacy=gate,
        )
        run.write("losses", losses_frame(result))
        if spec.portfolio == "synthetic" and spec.write_book:
            for b, frame in enumerate(frames):
                name = None if len(frames) == 1 else f"book-{b:03d}.parquet"
                run.write("book" if name is None else "books", frame, name)
        run.write("manifest", manifest)
        run.write("report", render_credit(manifest, manifest["credit"], result.losses))
        passed = gate is None or gate["passed"]
        run_dir = run.close(passed)
    if not passed:
        raise GateFailed(f"{privacy_failure(gate)}; nothing published, see {run_dir}")
    return RunResult(run_dir, manifest)
