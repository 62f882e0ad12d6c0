"""Scheduled data jobs: every ``flows/jobs/*.yaml`` with a ``schedule`` becomes a Prefect
deployment of ``run_job_file``, served by ``synth serve`` (``prefect.serve``), so a Prefect
worker or the embedded server runs it on time.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from synth.jobs import load_job
from synth.pipeline import flows as registry
from synth.resources import bundled

JOBS = bundled("flows", "jobs")


@flow(name="run-job-file", log_prints=False)
def run_job_file(job_file: str):
    """Load a job file and run the flow of its type (the unit a deployment schedules)."""
    job = load_job(job_file)
    return flow_for(job)(job).manifest["run_id"]


def jobs_folder() -> Path:
    """The bundled folder of scheduled job files."""
    return JOBS


def flow_for(job):
    """The flow that runs a job of this type (registered by type in the ``synth.flows`` group)."""
    return registry.flow(job.type)


def build_deployments(folder: Path = JOBS) -> list:
    """One deployment per scheduled job file (jobs without ``schedule`` are skipped)."""
    deployments = []
    for path in sorted(Path(folder).glob("*.yaml")):
        job = load_job(path)
        if job.schedule:
            deployments.append(
                run_job_file.to_deployment(
                    name=job.name,
                    cron=job.schedule,
                    parameters={"job_file": str(path.resolve())},
                    tags=["synth", job.type],
                )
            )
    return deployments


def serve_jobs(folder: Path = JOBS) -> None:
    """Serve every scheduled job until interrupted."""
    from prefect import serve

    serve(*build_deployments(folder))
