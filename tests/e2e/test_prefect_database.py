"""A Prefect database seeded from ``prefect_schema.sql`` is the one Prefect's own migrations
leave, object by object, once the installed Prefect has migrated it on; and seeding touches
nothing but a missing SQLite file.
"""

import re
import sqlite3

from synth.cli.prefect_database import SCHEMA, database_path, migrated, seed


def _objects(database) -> set[tuple]:
    """Tables, indexes and the rest by name, each table's definition as a set of clauses:
    Prefect's migrations rebuild SQLite tables and list their constraints in no fixed order.
    """
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        contents = {
            name: db.execute(f'SELECT * FROM "{name}"').fetchall()
            for kind, name, _, _ in rows
            if kind == "table" and name != "sqlite_sequence"
        }
    db.close()
    return {(kind, name, table, _clauses(sql), repr(contents.get(name))) for kind, name, table, sql in rows}


def _clauses(sql: str | None) -> frozenset[str]:
    body = (sql or "").strip().removesuffix(")")
    return frozenset(clause.strip() for clause in re.split(r",\s*\n", body))


def test_seeded_database_is_the_one_prefects_migrations_leave(tmp_path):
    seeded_home, migrated_home = tmp_path / "seeded", tmp_path / "migrated"
    assert seed(f"sqlite+aiosqlite:///{seeded_home}/prefect.db")
    seeded = migrated(seeded_home)  # Prefect migrates on from the dump's revision, if it has newer ones
    fresh = migrated(migrated_home)
    assert _objects(seeded) == _objects(fresh)
    with sqlite3.connect(seeded) as db:
        assert len(db.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
    db.close()


def test_an_existing_database_is_left_alone(tmp_path):
    existing = tmp_path / "prefect.db"
    existing.write_bytes(b"someone else's")
    assert not seed(f"sqlite+aiosqlite:///{existing}")
    assert existing.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["prefect.db"]


def test_a_revision_prefect_does_not_have_is_not_seeded(tmp_path):
    unknown = tmp_path / "schema.sql"
    revision = 'INSERT INTO "alembic_version" VALUES(\''
    text = SCHEMA.read_text()
    start = text.index(revision) + len(revision)
    unknown.write_text(text[:start] + "0" * 12 + text[text.index("'", start) :])
    assert not seed(f"sqlite+aiosqlite:///{tmp_path}/home/prefect.db", schema=unknown)
    assert not (tmp_path / "home").exists()


def test_only_sqlite_files_are_seeded(tmp_path):
    assert database_path(f"sqlite+aiosqlite:///{tmp_path}/prefect.db") == tmp_path / "prefect.db"
    for url in (
        "postgresql+asyncpg://synth:secret@localhost:5432/prefect",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite:///file:prefect?mode=memory&cache=shared&uri=true",
        "",
    ):
        assert database_path(url) is None
        assert not seed(url)
