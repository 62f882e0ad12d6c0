"""Reads from a real PostgreSQL server (started by .ci/run; skipped elsewhere unless CI)."""

import json
import os

import pytest

from synth.io import Source, read

URL = os.environ.get("SYNTH_TEST_POSTGRES_URL")
pytestmark = pytest.mark.postgres  # pytest -m "not postgres" leaves them out


@pytest.fixture
def postgres_url():
    if not URL:
        if os.environ.get("CI"):
            pytest.fail("CI must provide SYNTH_TEST_POSTGRES_URL (.ci/run starts PostgreSQL)")
        pytest.skip("no PostgreSQL server (set SYNTH_TEST_POSTGRES_URL)")
    return URL


def test_reads_table_and_query_from_postgres(postgres_url, adult):
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)
    adult.head(300).to_sql("adult_ci", engine, index=False, if_exists="replace")
    engine.dispose()
    table = read(Source(postgres_url, table="adult_ci"))
    query = read(Source(postgres_url, query='SELECT age, "capital-gain" FROM adult_ci WHERE age < 40'))
    assert len(table.frame) == 300
    assert set(table.frame.columns) == set(adult.columns)
    assert list(query.frame.columns) == ["age", "capital-gain"]
    assert "password" not in table.source


def test_a_password_reaches_no_output_and_no_prefect_parameter(
    postgres_url, adult, tmp_path, prefect_harness
):
    """A run from a URL with a password: the manifest, report and Prefect's stored flow-run
    parameters hold the URL with the password masked (the CI server trusts any password)."""
    import asyncio

    from prefect.client.orchestration import get_client
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from flows.synthesize import synthesize
    from synth.jobs import parse_job

    engine = create_engine(postgres_url)
    adult.head(300).to_sql("adult_secret", engine, index=False, if_exists="replace")
    engine.dispose()
    url = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    job = parse_job(
        {
            "name": "secret",
            "input": {"path": url, "table": "adult_secret"},
            "model": "gaussian_copula",
            "output": str(tmp_path / "out"),
            "privacy": {"attacks": False},
            "validation": {"output": False},
        }
    )
    try:
        result = synthesize(job)
        run_dir = result.run_dir
    except Exception:  # a quarantined run still wrote its files
        run_dir = next((tmp_path / "out").rglob("manifest.json")).parent
    for path in run_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".md"):
            assert "s3cret-pw" not in path.read_text(errors="ignore"), path

    async def stored_parameters():
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return [r.parameters for r in runs]

    stored = json.dumps(asyncio.run(stored_parameters()), default=str)
    assert "adult_secret" in stored and "s3cret-pw" not in stored
