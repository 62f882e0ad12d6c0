"""The ``augment`` flow: the synthesize flow's stages, with conditional sampling of the boosted
classes, the privacy gate and validation on the synthetic rows, and a lift report measured on a
real holdout that the generator never saw.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.artifacts import publish_artifacts
from flows.tasks import (
    fit_model,
    infer,
    learn_rules,
    privacy_gate,
    read_input,
    split_holdout,
    validate_input,
    validate_output,
)
from synth.augmentation import augment_record, check_target, combine, draw, lift_for, plan_counts
from synth.errors import GateFailed
from synth.jobs import Job
from synth.pipeline.logs import run_logger
from synth.pipeline.records import model_record, rules_record, validation_record
from synth.pipeline.run import Run, RunResult
from synth.progress import LoggedProgress, Progress
from synth.report.data import build_report_data
from synth.report.html import render


@task(name="draw boosted classes", cache_policy=NO_CACHE)
def draw_classes(model, labels, job: Job):
    """Plan the counts on every real row (all of them are in the output); sample conditionally."""
    spec = job.augment
    plan = plan_counts(labels, balance=spec.balance, ratios=spec.ratio, add=spec.add)
    return draw(model, spec.target, plan, seed=job.seed)


lift_task = task(name="measure lift", cache_policy=NO_CACHE)(lift_for)


@flow(name="augment", log_prints=False)
def augment(job: Job, progress: Progress | None = None) -> RunResult:
    """Real rows + gated synthetic rows of the boosted classes, with ``is_synthetic``."""
    progress = LoggedProgress(run_logger(), progress)
    table = read_input(job)
    schema = infer(table, job)
    check_target(schema, job.augment.target)
    with Run.start(job) as run:
        suite, input_check = validate_input(table, schema, job, run.path("validation"), run.docs)
        train, holdout = split_holdout(table.frame, job)
        schema = learn_rules(train, schema, job)
        model = fit_model(train, schema, job, run.path("model"), progress).model
        augmented = draw_classes(model, table.frame[job.augment.target], job)
        synthetic, verdict = privacy_gate(augmented.synthetic, train, holdout, schema, job)
        output_check = None
        if job.validation.output:
            output_check = validate_output(synthetic, suite, run.docs, job, schema.rules)
        lift = (
            lift_task(model, train, holdout, augmented, job.augment, job.seed) if job.augment.lift else None
        )
        combined = combine(table.frame, synthetic)
        run.lap("total")
        manifest = run.manifest(
            outputs=("augmented", "model", "lift", "report"),
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={
                "input": len(table.frame),
                "train": len(train),
                "holdout": len(holdout),
                "synthetic": len(synthetic),
                "augmented": len(combined),
            },  # fmt: skip
            model=model_record(model),
            augment=augment_record(augmented.plan, combined, job.augment.target),
            privacy=verdict.to_dict(),
            rules=rules_record(schema, synthetic, model),
            validation=validation_record(input_check, output_check, run.docs),
            lift=lift.to_dict() if lift else None,
        )
        report = build_report_data(train, holdout, synthetic, schema) if len(synthetic) else {}
        run.write("augmented", combined)
        run.write("manifest", manifest)
        run.write("report_data", report)
        publish = verdict.passed and (output_check is None or output_check.success)
        run.write("report", render(manifest, report, run.docs_base(publish)))
        if lift:
            run.write("lift", lift.to_markdown())
        run_dir = run.close(publish)
    publish_artifacts(manifest, run_dir)
    if not publish:
        reason = verdict.summary() if not verdict.passed else "synthetic rows failed output validation"
        raise GateFailed(f"{reason}; nothing published, see {run_dir}")
    return RunResult(run_dir, manifest, run.timings)
