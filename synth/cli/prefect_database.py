"""Prefect's SQLite database, created from the schema its migrations leave, on a machine that has
none yet.

A new Prefect home has no database: Prefect's temporary server then runs all of its Alembic
migrations (over a hundred, most of them rebuilding SQLite tables) before its first request, the
longest part of a first ``synth run``. ``prefect_schema.sql`` is what those migrations leave on
an empty database (its schema and Alembic's revision, no rows), dumped by :func:`dump` from a
database Prefect migrated itself. :func:`seed` writes it where Prefect's database will be, before
the server starts, when there is no file there yet and the installed Prefect knows the dump's
revision. Prefect then migrates from that revision as it would any older database: nothing at
all when the revision is its newest. A test checks, against the installed Prefect, that the
seeded database and one Prefect migrated from nothing are the same, object by object.

``python -m synth.cli.prefect_database`` writes the dump again (after a Prefect upgrade that
added migrations: a dump left behind still works, it only saves less).
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path

SCHEMA = Path(__file__).with_name("prefect_schema.sql")
SQLITE_URL = "sqlite+aiosqlite:///"
_REVISION = re.compile(r"""INSERT INTO "alembic_version" VALUES\('([0-9a-f]+)'\);""")


def seed(url: str, schema: Path = SCHEMA) -> bool:
    """Create the SQLite database at ``url`` from ``schema`` if it has no file yet and the
    installed Prefect has a migration of the schema's revision; True when it did. Never touches
    an existing file: the database is written under a temporary name and linked into place.
    """
    path = database_path(url)
    if path is None or path.exists() or not schema.is_file():
        return False
    script = schema.read_text()
    found = _REVISION.search(script)
    if found is None or not known_revision(found.group(1)):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with closing(sqlite3.connect(temporary)) as db:
            db.executescript(script)  # one transaction: the dump's BEGIN ... COMMIT
        os.link(temporary, path)
    except (OSError, sqlite3.Error):
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def database_path(url: str) -> Path | None:
    """The file of a SQLite database URL as Prefect writes them; None for any other database,
    an in-memory one, or a URL with options.
    """
    if not url.startswith(SQLITE_URL):
        return None
    location = url.removeprefix(SQLITE_URL)
    if not location or "?" in location or ":memory:" in location:
        return None
    return Path(location)


def known_revision(revision: str) -> bool:
    """Whether the installed Prefect ships a SQLite migration of ``revision`` (its file names
    carry the revision), so that Alembic can migrate on from it.
    """
    import prefect

    versions = Path(prefect.__file__).parent / "server" / "database" / "_migrations" / "versions" / "sqlite"
    return any(versions.glob(f"*_{revision}_*.py"))


def dump(database: Path) -> str:
    """A migrated database's schema and Alembic revision as a SQL script, ``sqlite_sequence``
    (SQLite's own) left out.
    """
    with closing(sqlite3.connect(database)) as db:
        lines = [line for line in db.iterdump() if "sqlite_sequence" not in line]
    return "\n".join(lines) + "\n"


def migrated(home: Path) -> Path:
    """A database migrated by the installed Prefect itself, from nothing, in ``home``."""
    import subprocess
    import sys

    program = (
        "import asyncio; from prefect.server.database import provide_database_interface; "
        "asyncio.run(provide_database_interface().create_db())"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_", "PREFECT_SERVER_"))}
    environ["PREFECT_HOME"] = str(home)
    subprocess.run([sys.executable, "-c", program], env=environ, check=True, capture_output=True)
    return home / "prefect.db"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder) / SCHEMA.name
        written.write_text(dump(migrated(Path(folder))))
        os.replace(written, SCHEMA)
    print(f"wrote {SCHEMA}")
