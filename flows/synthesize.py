"""The ``synthesize`` flow: read -> infer -> validate input -> split -> mine rules -> fit ->
sample -> privacy gate -> validate output -> evaluate -> publish (or quarantine).
"""

from __future__ import annotations

from prefect import flow

from flows.artifacts import publish_artifacts
from flows.tasks import (
    evaluate,
    fit_model,
    infer,
    learn_rules,
    privacy_gate,
    read_input,
    sample,
    split_holdout,
    validate_input,
    validate_output,
)
from synth.jobs import Job
from synth.pipeline.logs import run_logger
from synth.pipeline.records import COUNTS, model_record, quality_record, rules_record, validation_record
from synth.pipeline.run import Run, RunResult, refuse_unpublished
from synth.pipeline.stages import floor
from synth.progress import LoggedProgress, Progress
from synth.report.html import render


@flow(name="synthesize", log_prints=False)
def synthesize(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``synthesize`` job end to end; a failure leaves nothing where readers look."""
    progress = LoggedProgress(run_logger(), progress)
    table = read_input(job)
    schema = infer(table, job)
    with Run.start(job) as run:
        run.lap("read_and_schema")
        suite, input_check = validate_input(table, schema, job, run.path("validation"), run.docs)
        run.lap("validate_input")
        train, holdout = split_holdout(table.frame, job)
        schema = learn_rules(train, schema, job)
        run.lap("split_and_rules")
        fitted = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint)
        run.lap("fit")
        synthetic = sample(fitted.model, job.rows or len(train), job, progress)
        run.lap("sample")
        synthetic, verdict = privacy_gate(synthetic, train, holdout, schema, job)
        run.lap("privacy")
        output_check = None
        if job.validation.output:
            output_check = validate_output(synthetic, suite, run.docs, job, schema.rules)
        run.lap("validate_output")
        fidelity, report = evaluate(train, holdout, synthetic, schema, job)
        quality = floor(fidelity, job)
        judged = {k: fidelity.pop(k) for k in COUNTS if k in fidelity}
        run.lap("evaluate")
        sizes = {"input": len(table.frame), "train": len(train), "holdout": len(holdout)}
        manifest = run.manifest(
            outputs=("synthetic", "model", "manifest", "report", "validation"),
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={**sizes, "sampled": job.rows or len(train), "synthetic": len(synthetic)},
            model=model_record(fitted.model, fitted.reused_from),
            privacy=verdict.to_dict(),
            quality=quality_record(quality, judged),
            rules=rules_record(schema, synthetic, fitted.model),
            validation=validation_record(input_check, output_check, run.docs),
            fidelity=fidelity,
        )
        run.write("synthetic", synthetic)
        run.write("manifest", manifest)
        run.write("report_data", report)
        passed = verdict.passed and all(c.passed for c in quality)
        publish = passed and (output_check is None or output_check.success)
        run.write("report", render(manifest, report, run.docs_base(publish)))
        run_dir = run.close(publish)
    run.lap("write")
    artifacts = publish_artifacts(manifest, run_dir)
    refuse_unpublished(verdict, output_check, suite, run_dir, "output", quality)
    return RunResult(run_dir, manifest, run.timings, artifacts)
