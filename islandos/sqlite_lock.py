"""SQLite files written by several processes: a host-wide write lock beside the file."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


class SqliteWriteLock:
    """Lets one transaction of this host's processes write to a SQLite file at a time.

    SQLite's busy handler retries with sleeps that grow to 100 ms, so under load a waiting
    writer mostly slept while the lock was already free; a flock on a file beside the
    database hands it to the next writer at once. Re-entrant within a thread. A thread that
    waits longer than `timeout` for another thread of its process goes on without the lock
    and SQLite's own busy timeout decides, as before. The file is opened on first use in each
    process (a flock belongs to the open file, which a fork would share).
    """

    def __init__(self, path: str, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.Lock()
        self._local = threading.local()
        self._pid = -1
        self._fd = -1

    @contextmanager
    def held(self, timeout: float | None = None) -> Iterator[None]:
        wait = self.timeout if timeout is None else timeout
        if getattr(self._local, "held", False) or not self._threads.acquire(timeout=wait):
            yield
            return
        try:
            if self._pid != os.getpid():
                self.close()  # a copy inherited through fork: the parent's lock stays the parent's
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._local.held = True
            try:
                yield
            finally:
                self._local.held = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd, self._pid = -1, -1


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") \
            or database.startswith("file:"):
        return None
    return database
