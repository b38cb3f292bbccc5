"""Forking while nbops writes: the fork waits for the write.

The provenance thread (git, package metadata, SQLite) holds :data:`background_work` around
each batch, and every write of buffered points and runs holds it, whichever thread makes it
(the metric flusher, or a user's thread that filled a batch); ``os.fork`` takes it first.
"""

from __future__ import annotations

import os
import threading

FORK_WAIT_SECONDS = 10.0


class ForkGuard:
    """Held by nbops while it writes, and taken by ``os.fork`` before it forks.

    A child forked while such a thread was inside an import or inside SQLite inherits the
    module's import lock, or SQLite's process-wide mutex, held by a thread the child does not
    have: the child's next ``sqlite3.connect`` then waits for it forever, and its runs never
    end. A fork waits for that work to finish instead (at most ``FORK_WAIT_SECONDS``, so a
    hung ``git`` cannot hang the fork).

    Work holds it shared, so threads never wait on each other for it (a user's thread writing
    its points does not wait while the provenance thread runs git); only a fork holds it alone,
    and work that starts while a fork waits waits for the fork. A thread already holding it
    may take it again: the flusher and the provenance thread hold it around work that
    flushes the buffer, and a flush takes it too.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._working = 0  # holds by threads, nested ones counted once
        self._forking = False
        self._depth = threading.local()

    def __enter__(self) -> ForkGuard:
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            with self._changed:
                self._changed.wait_for(lambda: not self._forking)
                self._working += 1
        self._depth.value = depth + 1
        return self

    def __exit__(self, *exc: object) -> None:
        depth = getattr(self._depth, "value", 0)
        if depth == 0:  # taken before a fork, left in the child: the child's state starts fresh
            return
        self._depth.value = depth - 1
        if depth == 1:
            with self._changed:
                self._working -= 1
                self._changed.notify_all()

    def before_fork(self) -> None:
        with self._changed:
            self._forking = True
            # the forking thread's own work cannot finish before it forks: do not wait for it
            own = 1 if getattr(self._depth, "value", 0) else 0
            self._changed.wait_for(lambda: self._working <= own, timeout=FORK_WAIT_SECONDS)

    def after_fork_in_parent(self) -> None:
        with self._changed:
            self._forking = False
            self._changed.notify_all()

    def after_fork_in_child(self) -> None:
        self._reset()  # the parent's threads are not the child's


background_work = ForkGuard()

if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(
        before=background_work.before_fork,
        after_in_parent=background_work.after_fork_in_parent,
        after_in_child=background_work.after_fork_in_child,
    )
