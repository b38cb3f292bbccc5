"""Whether the process that owns a run is still alive, on any platform.

A run records its host and pid; only a process on this host can be checked, and psutil
checks it the same way on Linux, macOS and Windows (where ``os.kill(pid, 0)`` would
terminate the process instead of probing it).
"""

from __future__ import annotations

import platform

HOST = platform.node()


def process_alive(pid: int) -> bool:
    """True while process ``pid`` of this host runs; a zombie (exited, not yet reaped) is dead."""
    import psutil  # ~35 ms: imported by the dead-run sweep, never by `import nbops`

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # alive, owned by someone else
        return True
