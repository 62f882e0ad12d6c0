"""Reads from a real PostgreSQL server (started by .ci/run; skipped elsewhere unless CI)."""

import os

import pytest

from synth.io import Source, read

URL = os.environ.get("SYNTH_TEST_POSTGRES_URL")


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
