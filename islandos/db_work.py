"""The webhook's lean unit of work: a Core transaction whose ORM session is made only when
a handler asks for one, and a prebuilt statement run straight on the driver.

Every LINE event goes through these; docs/benchmarks.md ("Webhook on PostgreSQL") has what
each saves against SQLAlchemy's ORM session and execution.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ClauseElement


class Work:
    """One transaction's Core connection, and an ORM session on it made when first asked for.

    The session joins the connection's transaction: it flushes, and its `begin_nested`
    makes savepoints, but the transaction is committed or rolled back by `Database.work`.
    Leaving the `with` block flushes the session (unless an error is leaving it) and closes
    it.
    """

    def __init__(self, connection: Connection, sessions: sessionmaker[Session]) -> None:
        self.connection = connection
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._sessions(bind=self.connection,
                                           join_transaction_mode="rollback_only")
        return self._session

    def __enter__(self) -> Work:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        """Flush the session's changes into the transaction (unless failing), then close it."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if error_type is None:
                session.flush()
        finally:
            session.close()


class DriverStatement:
    """A Core statement, compiled once per dialect, to run straight on the driver."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._sql: dict[str, str] = {}

    def sql(self, dialect: Dialect) -> str:
        found = self._sql.get(dialect.name)
        if found is None:
            found = self._sql[dialect.name] = str(self.statement.compile(dialect=dialect))
        return found


_DRIVER_CURSOR = "islandos_driver_cursor"


def first_row_on_driver(connection: Connection, statement: DriverStatement,
                        parameters: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of `statement` run on the driver's own cursor, in `connection`'s
    transaction; `parameters` are plain values (no type processing is applied).

    For the one statement of every webhook event: SQLAlchemy's execution (compiled-cache
    lookup, execution context, result wrapping) cost about as much CPU as the driver's own
    work. Listeners of before/after_cursor_execute still see the statement; a driver error is
    raised as SQLAlchemy's (parameters hidden: they hold LINE user ids), and a connection
    lost with it is invalidated, so the pool opens a new one.
    """
    sql = statement.sql(connection.dialect)
    dispatch = connection.dispatch
    proxied = connection.connection
    # One cursor per pooled connection, kept in its info (cleared when the connection is
    # replaced): making and closing a cursor for each event cost a third of the execute.
    cursor = proxied.info.get(_DRIVER_CURSOR)
    if cursor is None:
        cursor = proxied.info[_DRIVER_CURSOR] = proxied.cursor()
    for listener in dispatch.before_cursor_execute:
        listener(connection, cursor, sql, parameters, None, False)
    try:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    except connection.dialect.loaded_dbapi.Error as error:
        lost = bool(getattr(proxied.driver_connection, "closed", False))
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, None, error, connection.dialect.loaded_dbapi.Error,
                                  hide_parameters=True, connection_invalidated=lost,
                                  dialect=connection.dialect) from error
    for listener in dispatch.after_cursor_execute:
        listener(connection, cursor, sql, parameters, None, False)
    return None if row is None else tuple(row)
