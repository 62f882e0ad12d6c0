"""What ``synth serve`` serves (``prefect.serve``), in two kinds.

- every job file of the folder with a ``schedule`` as a deployment of ``run_job_file``, which
  reads the file at run time (an edited job takes effect on its next run, no redeploy);
- one *request* deployment per job type (``augment/augment-request``, ...) of the typed flow
  itself: its parameter is the whole job, so Prefect's UI shows it as a form and
  ``prefect deployment run augment/augment-request --param job=...`` or the API asks for a
  dataset with no job file on the server. A job file of that type in the folder is its preset.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from synth.jobs import load_job
from synth.pipeline import flows as registry
from synth.resources import bundled

JOBS = bundled("flows", "jobs")
JOB_TYPES = ("synthesize", "augment", "sequential", "simulate", "credit")


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


def request_deployments(folder: Path = JOBS) -> list:
    """One on-demand deployment per job type; the folder's first job file of a type presets it."""
    presets = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        job = load_job(path)
        presets.setdefault(job.type, job.model_dump(mode="json", by_alias=True))
    return [
        registry.flow(kind).to_deployment(
            name=f"{kind}-request",
            parameters={"job": presets[kind]} if kind in presets else {},
            tags=["synth", kind, "request"],
        )
        for kind in JOB_TYPES
    ]


def serve_jobs(folder: Path = JOBS) -> None:
    """Serve the scheduled jobs and the request deployments until interrupted."""
    from prefect import serve

    serve(*build_deployments(folder), *request_deployments(folder))
