"""CPU time of a peer server measured from outside: the benchmarks compare what each server
spends per request, which a loaded host's wall clock hides."""

from __future__ import annotations


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (web workers, PostgreSQL's backends)."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total
