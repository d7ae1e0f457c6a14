"""Backups of the whole database while the app runs, and putting one back.

SQLite: the online backup API copies the file in one step from a single read snapshot, so
writers keep going and the copy is one consistent moment. PostgreSQL: `pg_dump` in its custom
format (a snapshot too), restored by `pg_restore` through `psql` in one transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from islandos.db import Database
from islandos.settings import PROJECT_ROOT
from islandos.sqlite_lock import sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # "sqlite" | "postgresql"
    revision: str | None  # the Alembic revision of the schema in the backup
    size: int


def known_revisions() -> ScriptDirectory:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations"))


def code_head() -> str:
    head = known_revisions().get_current_head()
    assert head is not None
    return head


def database_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


# Backup --------------------------------------------------------------------------------------


def backup(db: Database, path: Path, *, overwrite: bool = False) -> BackupInfo:
    """Copy the whole database to `path` (written beside it, then renamed into place)."""
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists; choose another name (or --force).")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if db.is_postgres:
            _pg_dump(db.url, partial)
        else:
            _sqlite_backup(db.url, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return inspect_backup(path)


def _sqlite_backup(url: str, target: Path) -> None:
    source = sqlite_file(url)
    if source is None:
        raise BackupError("only a SQLite file database can be backed up (not :memory:).")
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.execute("PRAGMA busy_timeout=10000")
        src.backup(dst)  # all pages in one step: one read snapshot; writers are not held up
        # One self-contained file: the copy keeps no write-ahead log beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("the copy failed SQLite's integrity check; nothing was written.")


@dataclass(frozen=True)
class _Postgres:
    """How to reach a PostgreSQL database with libpq's own tools (password via environment)."""

    url: URL

    @property
    def schema(self) -> str | None:
        """The schema a `-csearch_path=NAME` option pins (tests give each run its own)."""
        options = self.url.query.get("options", "")
        for part in (options if isinstance(options, str) else " ".join(options)).split():
            if part.startswith("-csearch_path="):
                return part.removeprefix("-csearch_path=").split(",")[0].strip('"')
        return None

    def args(self) -> list[str]:
        url = self.url
        found = [f"--host={url.host or 'localhost'}", f"--dbname={url.database or ''}"]
        if url.port:
            found.append(f"--port={url.port}")
        if url.username:
            found.append(f"--username={url.username}")
        return found

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install PostgreSQL's client tools "
                          "(the same major version as the server, or newer).")
    return found


def _run(command: list[str], pg: _Postgres, what: str, **kwargs: object) -> str:
    result = subprocess.run(command, env=pg.env(), capture_output=True, text=True,
                            check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-800:]}")
    return str(result.stdout)


def _pg_dump(url: str, target: Path) -> None:
    pg = _Postgres(make_url(url))
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", *pg.args()]
    if pg.schema:
        command.append(f"--schema={pg.schema}")
    _run(command, pg, "pg_dump")


# Reading a backup ----------------------------------------------------------------------------


def inspect_backup(path: Path) -> BackupInfo:
    """What a backup file holds: its kind and schema revision. Raises BackupError if unreadable."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        kind, revision = "sqlite", _sqlite_revision(path)
    elif head.startswith(PG_DUMP_MAGIC):
        kind, revision = "postgresql", _pg_dump_revision(path)
    else:
        raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump custom-format file.")
    return BackupInfo(path, kind, revision, path.stat().st_size)


def _sqlite_revision(path: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a SQLite database ({exc}).") from exc
    return str(row[0]) if row else None


def _pg_dump_revision(path: Path) -> str | None:
    pg = _Postgres(make_url("postgresql://localhost/"))
    script = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-",
                   str(path)], pg, "pg_restore (reading the schema revision)")
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and "alembic_version" in line:
            value = next(lines, "\\.")
            return None if value == "\\." else value.strip()
    return None


def check_restorable(info: BackupInfo, db: Database) -> None:
    """Refuse a backup of the wrong kind, without a schema revision, or newer than this code."""
    wanted = "postgresql" if db.is_postgres else "sqlite"
    if info.kind != wanted:
        raise BackupError(f"{info.path} is a {info.kind} backup; this IslandOS uses {wanted}.")
    if info.revision is None:
        raise BackupError(f"{info.path} has no schema revision (alembic_version): "
                          "not a backup of an IslandOS database.")
    try:
        known = known_revisions().get_revision(info.revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup's schema ({info.revision}) is newer than this IslandOS knows "
            f"(newest: {code_head()}); restore it with the IslandOS version that made it.")


# Restore -------------------------------------------------------------------------------------


def restore(db: Database, path: Path) -> BackupInfo:
    """Replace everything in the database with the backup at `path`, in one transaction.

    Raises BackupError (and changes nothing) for a backup that cannot be restored here.
    """
    info = inspect_backup(path)
    check_restorable(info, db)
    if db.is_postgres:
        _pg_restore(db, path)
    else:
        _sqlite_restore(db, path)
    return info


def _sqlite_restore(db: Database, path: Path) -> None:
    target = sqlite_file(db.url)
    if target is None:
        raise BackupError("only a SQLite file database can be restored into.")
    db.engine.dispose()  # this process's pooled connections would read the old pages
    lock: AbstractContextManager[None] = db.write_lock.held() if db.write_lock else nullcontext()
    with lock, closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target, timeout=30)) as dst:
        dst.execute("PRAGMA journal_mode=WAL")
        src.backup(dst)  # page by page under SQLite's own lock; other processes see it after
        dst.execute("PRAGMA journal_mode=WAL")


def _pg_restore(db: Database, path: Path) -> None:
    """pg_restore writes the SQL, psql runs it in one transaction (after dropping every table
    of the target schema, so tables of a later migration do not linger). COMMIT is sent only
    once pg_restore has finished well: a failure anywhere changes nothing."""
    pg = _Postgres(make_url(db.url))
    schema = pg.schema or "public"
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names(schema=schema)
    prefix = "BEGIN;\n" + "".join(
        f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE;\n' for name in tables)
    restore_sql = subprocess.Popen(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--file=-", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=pg.env())
    psql = subprocess.Popen(
        [_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
         "--output=/dev/null", *pg.args()],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=pg.env())
    assert restore_sql.stdout is not None and restore_sql.stderr is not None
    assert psql.stdin is not None and psql.stderr is not None
    try:
        psql.stdin.write(prefix.encode())
        for chunk in _chunks(restore_sql.stdout):
            psql.stdin.write(chunk)
        restored = restore_sql.wait() == 0
        if restored:
            psql.stdin.write(b"COMMIT;\n")
        psql.stdin.close()
    except BrokenPipeError:
        restored = False  # psql stopped on an error; its message follows
        restore_sql.kill()
    finally:
        restore_error = restore_sql.stderr.read().decode()
        restore_sql.wait()
        with suppress(BrokenPipeError):
            psql.stdin.close()
    psql_error = psql.stderr.read().decode()
    if psql.wait() != 0:
        raise BackupError(f"restoring failed (nothing changed): {psql_error.strip()[-800:]}")
    if not restored:
        raise BackupError(f"pg_restore failed (nothing changed): {restore_error.strip()[-800:]}")
    db.engine.dispose()


def _chunks(stream: object, size: int = 1 << 16) -> Iterator[bytes]:
    read = stream.read  # type: ignore[attr-defined]
    while chunk := read(size):
        yield chunk
