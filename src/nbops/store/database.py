"""SQLite connections: one per thread, WAL, short IMMEDIATE transactions.

Writers from many processes share one file. WAL lets readers run beside a writer;
``busy_timeout`` plus a bounded retry makes a writer wait its turn instead of raising
"database is locked" to the user.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import StoreError
from .schema_version import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
# Checkpoints copy the WAL back into the database. Run by a commit, they stall whoever
# commits; so loggers checkpoint in their background thread (MetricBuffer) and this high
# automatic threshold only bounds the WAL (about 80 MB) for processes that never do.
AUTO_CHECKPOINT_PAGES = 20_000
# Reads go through a memory map of the database file: pages come from the OS cache shared by
# every connection and process, without a copy into each connection's small private cache
# (2 MB by default). A filtered page of 100 of 10,000 runs read 40 % faster this way.
MMAP_BYTES = 256 * 2**20
LOCK_RETRY_SECONDS = 120.0


class Database:
    """A path to an SQLite file and this process's connections to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._all: dict[sqlite3.Connection, weakref.finalize] = {}
        self._all_lock = threading.Lock()
        _databases.add(self)
        self._ensure_schema()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; use :meth:`transaction` to write). It is
        closed when the thread ends: short-lived threads would otherwise each keep three
        file descriptors open until the process exits."""
        holder = getattr(self._local, "holder", None)
        if holder is None:
            holder = self._local.holder = _Holder(self._connect())
            closer = weakref.finalize(holder, self._close_one, holder.conn)
            closer.atexit = False  # at exit, buffers still flush through these connections
            with self._all_lock:
                self._all[holder.conn] = closer
        return holder.conn

    def _close_one(self, conn: sqlite3.Connection) -> None:
        with self._all_lock:
            if self._all.pop(conn, None) is None:
                return
        conn.close()

    def forget_after_fork(self) -> None:
        """In a forked child: SQLite connections must not cross a fork, so the child opens
        its own. The inherited ones are kept (never closed or used): closing them could
        disturb the parent's locks and WAL."""
        for conn, closer in self._all.items():
            closer.detach()
            _inherited.append(conn)
        self._all = {}
        self._all_lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (BEGIN IMMEDIATE) so it never deadlocks."""
        conn = self.connection()
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        self._begin(conn)
        try:
            # The change feed's sequence: one new value per write transaction (see migration 0003).
            conn.execute("UPDATE change_counter SET seq = seq + 1 WHERE id = 1")
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._all_lock:
            owned, self._all = self._all, {}
        for conn, closer in owned.items():
            closer.detach()
            try:
                conn.close()
            except sqlite3.ProgrammingError:  # owned by another thread; it closes at exit
                pass
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the nbops store {str(self.path)!r}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA wal_autocheckpoint = {AUTO_CHECKPOINT_PAGES}")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return conn

    def checkpoint(self) -> None:
        """Copy what the WAL holds back into the database, without waiting on anyone."""
        self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _begin(self, conn: sqlite3.Connection) -> None:
        # busy_timeout covers almost every wait; a jittered retry covers the rest
        # (e.g. a checkpoint holding the lock longer than the timeout).
        import random

        deadline = time.monotonic() + LOCK_RETRY_SECONDS
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(f"the nbops store {str(self.path)!r} stayed locked for {LOCK_RETRY_SECONDS:.0f} s") from exc
                time.sleep(random.uniform(0.005, 0.05))

    def _ensure_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connection()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the nbops store {str(self.path)!r} has schema version {version}, newer than this "
                f"nbops understands ({SCHEMA_VERSION}); upgrade nbops"
            )
        self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Processes starting together must not run the same migration twice: a file
        # lock serializes them, and each re-reads the version once it holds the lock.
        lock_path = self.path.with_name(self.path.name + ".migrate-lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                    return
                conn.execute("PRAGMA journal_mode = WAL")
                from sqlite_utils import Database as UtilsDatabase

                from .migrations import migrations

                migrations.apply(UtilsDatabase(conn))
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class _Holder:
    """A thread's connection, kept in its thread-local storage: it dies with the thread."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn


_databases: "weakref.WeakSet[Database]" = weakref.WeakSet()
_inherited: list[sqlite3.Connection] = []


def _forget_after_fork() -> None:
    for db in list(_databases):
        db.forget_after_fork()


os.register_at_fork(after_in_child=_forget_after_fork)
