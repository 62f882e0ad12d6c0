"""What synth serve serves: the scheduled job files, and one request deployment per job type
whose parameter is the whole job (a form in Prefect's UI), preset from a job file of its type."""

from pathlib import Path

from flows.serve import JOB_TYPES, request_deployments

ROOT = Path(__file__).resolve().parents[2]


def test_every_job_type_has_a_request_deployment_with_the_job_as_its_form():
    deployments = {d.name: d for d in request_deployments(ROOT / "data" / "jobs")}
    assert set(deployments) == {f"{kind}-request" for kind in JOB_TYPES}
    augment = deployments["augment-request"]
    schema = augment._parameter_openapi_schema.model_dump()
    assert schema["required"] == ["job"]
    fields = schema["definitions"]["AugmentSpec"]["properties"]
    assert {"target", "balance", "ratio", "add"} <= set(fields)
    preset = augment.parameters["job"]  # data/jobs/berka_augment.yaml
    assert preset["type"] == "augment" and preset["augment"]["target"] == "default"
    assert Path(preset["input"]["path"]).is_absolute()
    assert deployments["credit-request"].parameters == {}  # no credit job in data/jobs: no preset
