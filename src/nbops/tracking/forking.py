"""Forking while nbops's background threads work: the fork waits for them.

The provenance thread (git, package metadata, SQLite) and the metric flusher (SQLite) hold
:data:`background_work` around each piece of work; ``os.fork`` takes it first.
"""

from __future__ import annotations

import os
import threading

FORK_WAIT_SECONDS = 10.0


class ForkGuard:
    """Held by nbops's background threads while they work, and taken by ``os.fork``
    before it forks.

    A child forked while such a thread was inside an import or inside SQLite inherits the
    module's import lock, or SQLite's process-wide mutex, held by a thread the child does not
    have: the child's next ``sqlite3.connect`` then waits for it forever, and its runs never
    end. A fork waits for that work to finish instead (at most ``FORK_WAIT_SECONDS``, so a
    hung ``git`` cannot hang the fork).
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._taken_by_fork = False

    def __enter__(self) -> ForkGuard:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def before_fork(self) -> None:
        self._taken_by_fork = self._lock.acquire(timeout=FORK_WAIT_SECONDS)

    def after_fork_in_parent(self) -> None:
        if self._taken_by_fork:
            self._taken_by_fork = False
            self._lock.release()

    def after_fork_in_child(self) -> None:
        self._reset()  # the parent's lock state is not the child's


background_work = ForkGuard()

if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(
        before=background_work.before_fork,
        after_in_parent=background_work.after_fork_in_parent,
        after_in_child=background_work.after_fork_in_child,
    )
