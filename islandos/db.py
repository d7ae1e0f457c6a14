"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import select
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from functools import partial
from typing import Any, ClassVar, TypeVar

import psycopg
from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    Integer,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from islandos.db_work import Work
from islandos.settings import INSTANCE_DIR
from islandos.sqlite_lock import SqliteWriteLock, sqlite_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use islandos.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def vocabulary(values: type[StrEnum], name: str, length: int = 16) -> Enum:
    """A fixed vocabulary (`values`) kept as plain strings, with a CHECK constraint.

    The column is a VARCHAR holding the members' values; the constraint, named
    ck_<table>_<name>, makes the database refuse any other value. A string that is no member
    is refused before it reaches the database, and rows load back as members.
    """
    return Enum(values, name=name, length=length, native_enum=False, create_constraint=True,
                values_callable=lambda members: [member.value for member in members],
                validate_strings=True)


IntVocabularyT = TypeVar("IntVocabularyT", bound=IntEnum)


class IntVocabulary(TypeDecorator[IntVocabularyT]):
    """A fixed vocabulary of numbers kept as an INTEGER (its order means something, so it is
    no string); rows load back as members. The table declares the CHECK constraint."""

    impl = Integer
    cache_ok = True

    def __init__(self, values: type[IntVocabularyT]) -> None:
        super().__init__()
        self.values = values

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(self.values(value))

    def process_result_value(self, value: int | None, dialect: Dialect) -> IntVocabularyT | None:
        return None if value is None else self.values(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


# What a database fault may raise: SQLAlchemy's errors, and the drivers' own where they reach
# us unwrapped (a statement run straight on the driver, as BEGIN IMMEDIATE is below).
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, psycopg.Error)

DEFAULT_BUSY_TIMEOUT_MS = 10_000
# How long a SQLite transaction begun in this context waits for a locked database.
_busy_timeout_ms: ContextVar[int] = ContextVar("busy_timeout_ms", default=DEFAULT_BUSY_TIMEOUT_MS)

# SQLite errors after which a connection stays broken though the file is fixed (opened
# read-only while the file was, or its file handle gone bad): it is replaced, not reused.
_SQLITE_REOPEN = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT,
                  sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB}


def _sticks(error: BaseException) -> bool:
    return isinstance(error, sqlite3.Error) \
        and getattr(error, "sqlite_errorcode", 0) & 0xFF in _SQLITE_REOPEN


def _reopen_after(context: ExceptionContext) -> None:
    """Treat a SQLite error that sticks to its connection like a lost connection: SQLAlchemy
    then drops this connection and the rest of the pool, and the next request opens new ones.
    (BEGIN IMMEDIATE runs on the driver: its listener drops its own connection.)"""
    if _sticks(context.original_exception):
        context.is_disconnect = True


@event.listens_for(Base, "mapper_configured", propagate=True)
def _vocabulary_members(mapper: Mapper[Any], class_: type[Any]) -> None:
    """A vocabulary attribute holds a member from the moment it is set, constructors included:
    a plain string (or number) becomes its member, anything else fails there (ValueError)."""
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        values: Callable[[Any], Any] | None = (
            column_type.enum_class if isinstance(column_type, Enum)
            else column_type.values if isinstance(column_type, IntVocabulary) else None)
        if values is not None:
            event.listen(prop.class_attribute, "set", partial(_member, values), retval=True)


def _member(values: Callable[[Any], Any], _target: Any, value: Any, *_: Any) -> Any:
    return None if value is None else values(value)


# psycopg's own default: a statement run this often on a connection is prepared there.
DEFAULT_PREPARE_THRESHOLD = 5


def make_engine(url: str, prepare_threshold: int | None = DEFAULT_PREPARE_THRESHOLD,
                **kwargs: Any) -> Engine:
    """An engine with SQLite tuned for several processes (WAL, foreign keys, busy timeout).

    A connection broken by a fault (PostgreSQL restarted, a SQLite file that was read-only)
    is replaced once the fault is fixed, without restarting the process."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={DEFAULT_BUSY_TIMEOUT_MS}")
            record.info["busy_timeout_ms"] = DEFAULT_BUSY_TIMEOUT_MS
            # Database.transaction checkpoints outside the write lock (see there); SQLite's own
            # checkpoint, run inside a commit, stays only as a backstop for other writers.
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Take the write lock up front so two writers wait instead of failing mid-transaction.
            # Straight to the driver: SQLAlchemy's statement machinery here cost more per webhook
            # event than the event's own INSERT.
            pooled = connection.connection
            driver = pooled.driver_connection
            wanted = _busy_timeout_ms.get()
            try:
                if pooled.info.get("busy_timeout_ms") != wanted:
                    driver.execute(f"PRAGMA busy_timeout={int(wanted)}")
                    pooled.info["busy_timeout_ms"] = wanted
                driver.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:  # e.g. "database is locked": SQLAlchemy's own error
                if _sticks(error):
                    connection.invalidate(error)
                raise OperationalError("BEGIN IMMEDIATE", None, error) from error

        event.listen(engine, "handle_error", _reopen_after)
        return engine
    options: dict[str, Any] = {}
    if "poolclass" not in kwargs:
        options.update(pool_size=5, max_overflow=10)
    if make_url(url).get_driver_name() == "psycopg":
        # Prepared statements (None: never) are per connection: behind PgBouncer in
        # transaction mode they break unless PgBouncer tracks them (max_prepared_statements).
        options["connect_args"] = {**kwargs.pop("connect_args", {}),
                                   "prepare_threshold": prepare_threshold}
    engine = create_engine(url, **options, **kwargs)
    # No pool_pre_ping (a round trip to the server before every transaction): a connection
    # the server has closed is noticed on checkout from its socket alone (below), and one
    # lost mid-request is a disconnect to SQLAlchemy, which then replaces the whole pool.
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has closed, without a round trip.

    Between transactions the server has nothing to say to a connection unless it is going
    away: when PostgreSQL stops or restarts, or the backend is terminated, it sends a FATAL
    error and closes the socket. So a socket with something to read (one `poll`, no round
    trip) is given up; SQLAlchemy opens a new connection in its place and goes on. (The rare
    harmless message, a setting reported after a configuration reload, costs a reconnect.)
    A server that vanished without a word (a network partition) is not seen here: the
    statement fails, and SQLAlchemy, seeing a disconnect, replaces the whole pool.
    """
    try:
        closed = dbapi_connection.closed or _readable(dbapi_connection.pgconn.socket)
    except psycopg.OperationalError:  # libpq already knows the connection is lost
        closed = True
    if closed:
        raise DisconnectionError("the server closed the connection")


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


# SQLite file databases: passive checkpoint after this many write transactions of a process;
# SQLite's automatic one (which would run inside a commit) only past this many WAL pages.
CHECKPOINT_EVERY_WRITES = 200
BACKSTOP_CHECKPOINT_PAGES = 10_000


class Database:
    """The engine and session factory of one app (or one worker process)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._on_dispose: list[Callable[[], None]] = []
        path = sqlite_file(url)
        self.write_lock = SqliteWriteLock(path + ".writelock") if path else None
        self._writes_since_checkpoint = 0
        self._checkpointer: threading.Thread | None = None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, wait_seconds: float | None = None) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error.

        `wait_seconds` bounds how long a locked SQLite database is waited for (default 10 s);
        past it the transaction raises OperationalError ("database is locked")."""
        with self._writing(wait_seconds) as session, session.begin():
            yield session
        self._wrote()

    @contextmanager
    def work(self, wait_seconds: float | None = None) -> Iterator[Work]:
        """Like `transaction`, on a Core connection; an ORM session only if one is asked for.

        For the webhook, whose usual event needs one Core statement and no ORM object: an
        ORM session's own begin, flush and commit bookkeeping cost more CPU than that
        statement. `work.session`, made on first use, joins the same transaction and is
        flushed before the commit.
        """
        with self._locked(wait_seconds), self.engine.connect() as connection, \
                connection.begin(), Work(connection, self.sessions) as work:
            yield work
        self._wrote()

    @contextmanager
    def rehearsal(self) -> Iterator[Work]:
        """A `work` that is always rolled back: nothing it does is kept."""
        with self._locked(None), self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                with Work(connection, self.sessions) as work:
                    yield work
            finally:
                transaction.rollback()

    @contextmanager
    def rolled_back(self, wait_seconds: float | None = None) -> Iterator[Session]:
        """A write transaction that is always rolled back: for probing that writes work."""
        with self._writing(wait_seconds) as session:
            session.begin()
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _writing(self, wait_seconds: float | None) -> Iterator[Session]:
        with self._locked(wait_seconds), self.sessions() as session:
            yield session

    @contextmanager
    def _locked(self, wait_seconds: float | None) -> Iterator[None]:
        """SQLite: this host's write lock, and SQLite's own wait bounded by `wait_seconds`."""
        lock: AbstractContextManager[None] = (
            self.write_lock.held(wait_seconds) if self.write_lock else nullcontext())
        waiting = None if wait_seconds is None or self.write_lock is None \
            else _busy_timeout_ms.set(int(wait_seconds * 1000))
        try:
            with lock:
                yield
        finally:
            if waiting is not None:
                _busy_timeout_ms.reset(waiting)

    def _wrote(self) -> None:
        if self.write_lock is not None:
            self._writes_since_checkpoint += 1
            if self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES:
                self._checkpoint_in_background()

    def _checkpoint_in_background(self) -> None:
        """The copy and its fsync happen beside the request that filled the log, not in it."""
        self._writes_since_checkpoint = 0
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        self._checkpointer = threading.Thread(target=self.checkpoint, name="islandos-checkpoint",
                                              daemon=True)
        self._checkpointer.start()

    def wait_for_checkpoint(self, timeout: float = 10.0) -> None:
        if self._checkpointer is not None:
            self._checkpointer.join(timeout)

    def checkpoint(self) -> None:
        """Copy a SQLite file's write-ahead log into the database, without holding up writers.

        SQLite would do it inside the commit that fills the log, with our write lock held,
        and every other webhook worker would wait out the copy and its fsync. PASSIVE copies
        what it can beside the writers and readers that are running. A no-op elsewhere.
        """
        self._writes_since_checkpoint = 0
        if self.write_lock is None:
            return
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            raw.close()

    def on_dispose(self, callback: Callable[[], None]) -> None:
        """Run `callback` (e.g. a last flush) before the engine is disposed."""
        self._on_dispose.append(callback)

    def dispose(self) -> None:
        for callback in self._on_dispose:
            callback()
        self._on_dispose.clear()
        self.wait_for_checkpoint()
        self.checkpoint()
        self.engine.dispose()
        if self.write_lock is not None:
            self.write_lock.close()
