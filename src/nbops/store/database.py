"""SQLite connections: one per thread, WAL, short IMMEDIATE transactions.

Writers from many processes share one file. WAL lets readers run beside a writer;
``busy_timeout`` plus a bounded retry makes a writer wait its turn instead of raising
"database is locked" to the user.

This module is also where SQLite's own errors become nbops errors: every statement runs on
a connection of :class:`Connection`, which turns a failure of the file (not a database,
damaged, read-only, disk full) into a :class:`~nbops.errors.StoreError` naming the store's
path and what to do. A file that is not an nbops store is never changed.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ..errors import InvalidValueError, NbopsError, StoreError
from .schema_version import SCHEMA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from sqlite3 import _Parameters  # typeshed's name for what execute() binds

_CursorT = TypeVar("_CursorT", bound=sqlite3.Cursor)

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
# How long a writing process, at exit, waits for readers to let it empty the WAL.
TRUNCATE_WAIT_MS = 200
# How long it tries again while the checkpoint answers busy (a long checkpoint of its own
# flusher, or readers that keep the WAL in use): a bound on the delay it adds to exit.
TRUNCATE_TRIES_SECONDS = 2.0
# SQLite's header field for "which application's file is this" ("nbop" in ASCII): a file
# without it and without nbops's migration records is someone else's database.
APPLICATION_ID = 0x6E626F70

# What a user can do about each failure of the file, found by a fragment of SQLite's message.
_ADVICE = (
    (
        "not a database",
        "it is not an SQLite database, or its header is damaged: move it away, or set NBOPS_HOME to another folder",
    ),
    ("malformed", "the file is damaged: restore it from a backup, or move it away to start a new store"),
    (
        "readonly",
        "it is read-only: give this user write permission on the file and its folder, or set "
        "NBOPS_HOME to a writable folder",
    ),
    (
        "read-only",
        "it is read-only: give this user write permission on the file and its folder, or set "
        "NBOPS_HOME to a writable folder",
    ),
    ("disk is full", "the disk is full: free space on it, then try again"),
    ("unable to open", "check that its folder exists and that this user may write there"),
    ("disk I/O error", "the disk failed to read or write it: check the disk and its free space"),
    ("locked", "another process holds it locked: let it finish, then try again"),
)


def store_error(path: Path, exc: sqlite3.Error) -> NbopsError:
    """The nbops error for SQLite's ``exc`` on the store at ``path``."""
    message = str(exc)
    if isinstance(exc, sqlite3.DataError):  # "string or blob too big": a user's value
        return InvalidValueError(
            f"a value is too big for the nbops store ({message}): log large data as an "
            "artifact instead of a param, tag or note"
        )
    advice = next((what for fragment, what in _ADVICE if fragment in message), "see the server or kernel log")
    return StoreError(f"the nbops store {str(path)!r} failed: {message}; {advice}")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid that the INSERT just run on ``cursor`` wrote (typeshed allows None, which
    only a cursor that ran no INSERT gives)."""
    rowid = cursor.lastrowid
    assert rowid is not None, "inserted_id() follows an INSERT"
    return rowid


def _raise_fault(path: Path, exc: sqlite3.DatabaseError) -> None:
    """Raise the nbops error for ``exc`` if it is a fault of the file or of a value. An
    IntegrityError or ProgrammingError is a bug of the caller and keeps its own type (the
    caller re-raises it), so it is never mistaken for a broken store."""
    if not isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
        raise store_error(path, exc) from exc


class Cursor(sqlite3.Cursor):
    """A cursor whose failures name the store (see :class:`Connection`)."""

    connection: Connection

    def execute(self, sql: str, parameters: _Parameters = (), /) -> Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.connection.store_path, exc)
            raise

    def executemany(self, sql: str, seq_of_parameters: Iterable[_Parameters], /) -> Cursor:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.connection.store_path, exc)
            raise

    # A row is an sqlite3.Row (the store's row factory); typeshed types it Any.
    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.connection.store_path, exc)
            raise

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.connection.store_path, exc)
            raise


class Connection(sqlite3.Connection):
    """An SQLite connection to the store at ``store_path`` whose failures are nbops errors."""

    store_path: Path

    @overload
    def cursor(self, factory: None = None) -> Cursor: ...
    @overload
    def cursor(self, factory: Callable[[sqlite3.Connection], _CursorT]) -> _CursorT: ...
    def cursor(self, factory: Callable[[sqlite3.Connection], sqlite3.Cursor] | None = None) -> sqlite3.Cursor:
        return super().cursor(Cursor if factory is None else factory)

    def execute(self, sql: str, parameters: _Parameters = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.store_path, exc)
            raise

    def executemany(self, sql: str, parameters: Iterable[_Parameters], /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            _raise_fault(self.store_path, exc)
            raise


class Database:
    """A path to an SQLite file and this process's connections to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._all: dict[sqlite3.Connection, weakref.finalize[[sqlite3.Connection], _Holder]] = {}
        self._all_lock = threading.Lock()
        self.wrote = False  # whether this process committed a write: then it truncates the WAL at exit
        _databases.add(self)
        try:
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

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
        self.wrote = False

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (BEGIN IMMEDIATE) so it never deadlocks."""
        conn = self.connection()
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        self._begin(conn)
        self.wrote = True
        try:
            # The change feed's sequence: one new value per write transaction (see migration 0003).
            conn.execute("UPDATE change_counter SET seq = seq + 1 WHERE id = 1")
            yield conn
        except BaseException:
            # SQLite has rolled back by itself after some failures (a full disk); a second
            # ROLLBACK would then hide the error that matters
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def truncate_wal(self) -> None:
        """Copy the WAL into the database and empty it, so a finished writer leaves no large
        ``-wal`` file behind. It tries for at most ``TRUNCATE_TRIES_SECONDS`` while readers
        (a Lab panel) or another checkpoint keep the WAL busy: then the WAL is left as it is,
        still consistent, and the next checkpoint empties it."""
        if not self.wrote:
            return
        try:
            conn = self.connection()
            conn.execute(f"PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}")
            try:
                deadline = time.monotonic() + TRUNCATE_TRIES_SECONDS
                # SQLite answers busy=1 rather than raising: another checkpoint (a flusher
                # thread's, a reader's process) may be copying the WAL; try again after it.
                while conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] and time.monotonic() < deadline:
                    time.sleep(0.05)
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except (sqlite3.Error, NbopsError):  # the store may be gone, or busy: the WAL stays valid
            pass

    def close(self) -> None:
        self.truncate_wal()
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
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
                factory=Connection,
            )
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc
        conn.store_path = self.path
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
                sqlite3.Connection.execute(conn, "BEGIN IMMEDIATE")  # untranslated: "locked" is retried here
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise store_error(self.path, exc) from exc
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"the nbops store {str(self.path)!r} stayed locked for {LOCK_RETRY_SECONDS:.0f} s; "
                        "another process holds it: let it finish, then try again"
                    ) from exc
                time.sleep(random.uniform(0.005, 0.05))

    def _ensure_schema(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder of the nbops store {str(self.path.parent)!r}: "
                f"{exc.strerror}; set NBOPS_HOME to a writable folder"
            ) from exc
        conn = self.connection()
        if _header(conn) == (SCHEMA_VERSION, APPLICATION_ID):  # the fast path: one up-to-date store
            return
        self._require_ours(conn)
        # Set before any table exists; a no-op on a store already in WAL mode.
        conn.execute("PRAGMA journal_mode = WAL")
        self._migrate(conn)

    def _require_ours(self, conn: sqlite3.Connection) -> None:
        """Refuse, untouched, a database that some other program wrote."""
        version, application = _header(conn)
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if application == APPLICATION_ID or (application == 0 and version == 0 and not tables):
            return
        if (
            application == 0
            and "_sqlite_migrations" in tables
            and conn.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'nbops' LIMIT 1").fetchone()
        ):
            return  # written by an nbops from before APPLICATION_ID
        listed = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "") or "none"
        raise StoreError(
            f"{str(self.path)!r} is an SQLite database that nbops did not create (tables: {listed}); nbops leaves "
            "it as it is: move it away, or set NBOPS_HOME to another folder for the nbops store"
        )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Processes starting together must not run the same migration twice. SQLite's own
        # write lock serializes them on every platform: each takes it (BEGIN IMMEDIATE) and
        # re-reads the version while holding it. All migrations run in that one transaction.
        self._begin(conn)
        try:
            version, application = _header(conn)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the nbops store {str(self.path)!r} has schema version {version}, newer than this "
                    f"nbops understands ({SCHEMA_VERSION}); upgrade nbops"
                )
            if version == 0 and not conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                from . import schema_script  # a new store: the migrations' result in one script

                schema_script.apply(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version < SCHEMA_VERSION:
                from sqlite_utils import Database as UtilsDatabase

                from .migrations import migrations

                migrations.apply(UtilsDatabase(conn))
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if application != APPLICATION_ID:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _header(conn: sqlite3.Connection) -> tuple[int, int]:
    """The store's schema version and the application id in the file's header."""
    return (conn.execute("PRAGMA user_version").fetchone()[0], conn.execute("PRAGMA application_id").fetchone()[0])


class _Holder:
    """A thread's connection, kept in its thread-local storage: it dies with the thread."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn


_databases: weakref.WeakSet[Database] = weakref.WeakSet()
_inherited: list[sqlite3.Connection] = []


def _forget_after_fork() -> None:
    for db in list(_databases):
        db.forget_after_fork()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_after_fork)


@atexit.register  # registered before the metric buffers' flush, so it runs after it (LIFO)
def _truncate_wals_at_exit() -> None:
    for db in list(_databases):
        db.truncate_wal()
