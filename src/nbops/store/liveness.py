"""Whether the process that owns a run is still alive, on any platform.

A run records its host and pid; only a process on this host can be checked, and psutil
checks it the same way on Linux, macOS and Windows (where ``os.kill(pid, 0)`` would
terminate the process instead of probing it).
"""

from __future__ import annotations

import platform

HOST = platform.node()


def process_started(pid: int) -> float | None:
    """When process ``pid`` of this host started (Unix time; 0.0 if it may not be asked), or
    None if it is gone. A zombie (exited, not yet reaped) is gone."""
    import psutil  # ~35 ms: imported by the dead-run sweep, never by `import nbops`

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        started: float = process.create_time()  # psutil ships no types
        return started
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:  # alive, owned by someone else
        return 0.0
