"""What a run records about where it came from: git state, interpreter, packages, notebook.

Captured off the hot path (in a background thread) and memoized, so starting a run stays
cheap even when many runs start in a loop.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..store.provenance import Environment

GIT_TIMEOUT = 5.0
GIT_CACHE_SECONDS = 2.0
MAX_DIFF_BYTES = 1_000_000


class GitState(NamedTuple):
    commit: str | None
    branch: str | None
    dirty: bool | None
    diff: str | None


_git_cache: dict[str, tuple[float, GitState]] = {}
_packages: list[dict[str, Any]] | None = None
_environment: Environment | None = None
_lock = threading.Lock()


def git_state(cwd: str | None = None) -> GitState:
    cwd = cwd or os.getcwd()
    now = time.monotonic()
    state = cached_git_state(cwd, now)
    if state is not None:
        return state
    state = _read_git(cwd)
    with _lock:
        _git_cache[cwd] = (now, state)
    return state


def cached_git_state(cwd: str, now: float | None = None) -> GitState | None:
    """The git state of ``cwd`` read less than ``GIT_CACHE_SECONDS`` ago, or None: never runs git."""
    now = time.monotonic() if now is None else now
    with _lock:
        cached = _git_cache.get(cwd)
    return cached[1] if cached and now - cached[0] < GIT_CACHE_SECONDS else None


def _git(cwd: str, *args: str) -> str | None:
    import subprocess

    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT, errors="replace"
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _read_git(cwd: str) -> GitState:
    commit = _git(cwd, "rev-parse", "HEAD")
    if commit is None:
        return GitState(None, None, None, None)
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    diff = _git(cwd, "diff", "HEAD") if status else ""
    if diff and len(diff) > MAX_DIFF_BYTES:
        diff = diff[:MAX_DIFF_BYTES] + "\n[diff truncated by nbops]\n"
    return GitState(commit.strip(), (branch or "").strip() or None, bool(status), diff)


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_after_fork)


def python_version() -> str:
    return sys.version.split()[0] + f" ({sys.implementation.name}, {sys.platform})"


def installed_packages(cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """Name and version of every installed distribution: read once per process, and once per
    environment when ``cache_dir`` is given. Reading them costs about a second of pure Python,
    which a logging loop in another thread would feel through the GIL."""
    global _packages
    if _packages is None:
        cached = _cache_file(cache_dir) if cache_dir is not None else None
        _packages = _read_cache(cached) if cached is not None else None
        if _packages is None:
            _packages = _read_packages()
            if cached is not None:
                _write_cache(cached, _packages)
    return _packages


def installed_environment(cache_dir: Path | None = None) -> Environment:
    """:func:`installed_packages` as the store keeps it (JSON text and its SHA-256), made once
    per process: encoding a few hundred packages took longer than the rest of a short run's writes."""
    global _environment
    packages = installed_packages(cache_dir)
    if _environment is None:
        import json

        from ..store.provenance import Environment

        _environment = Environment.of(json.dumps(packages))
    return _environment


def packages_read() -> bool:
    """Whether this process has the package list already (asking for it then reads nothing)."""
    return _packages is not None


def _read_packages() -> list[dict[str, Any]]:
    from importlib.metadata import distributions

    seen = {}
    for dist in distributions():
        name, version = _name_and_version(dist)
        if name:
            seen[name.lower()] = {"name": name, "version": version}
    return sorted(seen.values(), key=lambda p: p["name"].lower())


def _name_and_version(dist: Any) -> tuple[str | None, str | None]:
    """``dist.metadata["Name"]`` and ``dist.version``, as importlib.metadata reads them, from
    one parse of the header block: each of those parses the whole file again, long
    description included, which made listing the packages most of a first run's cost."""
    import email

    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("") or ""
    headers = email.message_from_string(text.split("\n\n", 1)[0])
    return headers["Name"], headers["Version"]


def _cache_file(cache_dir: Path) -> Path:
    """The cache of this environment: installing or removing a distribution changes the
    modification time of the folder that holds it, and so the file's name."""
    import hashlib

    key = [sys.prefix, sys.version]
    for entry in sys.path:
        try:
            key.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            continue
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:20]
    return cache_dir / f"packages-{digest}.json"


def _read_cache(path: Path) -> list[dict[str, Any]] | None:
    import json

    try:
        packages: list[dict[str, Any]] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return packages


def _write_cache(path: Path, packages: list[dict[str, Any]]) -> None:
    import json

    try:
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(packages))
        partial.replace(path)  # whole or absent, even with several processes writing
    except OSError:  # a cache only
        pass


@functools.lru_cache(maxsize=1)
def user_name() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return None


def _raw_inputs() -> list[str] | None:
    """The running IPython's raw cell inputs, indexed by execution count (None outside IPython).

    Looked up in ``sys.modules`` so that tracking never imports IPython itself. IPython
    stores a cell before running it, so the running cell is the last entry."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)


def current_cell() -> int | None:
    inputs = _raw_inputs()
    return len(inputs) - 1 if inputs else None


def cells_since(first: int) -> list[dict[str, Any]]:
    """Source and execution count of each cell run from execution count ``first`` on."""
    inputs = _raw_inputs() or []
    return [{"execution_count": n, "source": inputs[n]} for n in range(max(first, 1), len(inputs))]


def notebook_path() -> str | None:
    """The notebook this kernel runs: jupyter_server exports it to its kernels; papermill does
    not, so its input path is read from papermill's own command line."""
    return os.environ.get("JPY_SESSION_NAME") or os.environ.get("PAPERMILL_INPUT_PATH") or papermill_input_path()


# papermill options that take values (the input notebook is the first other word)
_PAPERMILL_PAIRS = {"-p", "--parameters", "-r", "--parameters_raw"}
_PAPERMILL_VALUES = {
    "-f",
    "--parameters_file",
    "-y",
    "--parameters_yaml",
    "-b",
    "--parameters_base64",
    "-k",
    "--kernel",
    "-l",
    "--language",
    "--cwd",
    "--engine",
    "--start-timeout",
    "--start_timeout",
    "--execution-timeout",
    "--execution_timeout",
    "--stdout-file",
    "--stderr-file",
    "--log-level",
    "--version",
}


@functools.lru_cache(maxsize=1)
def papermill_input_path() -> str | None:
    """The input notebook of the ``papermill`` command that started this kernel (Linux ``/proc``)."""
    pid = os.getppid()
    for _ in range(3):  # the kernel's parent, or a launcher's
        try:
            words = [w.decode(errors="replace") for w in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0") if w]
            cwd = os.readlink(f"/proc/{pid}/cwd")
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            return None
        start = next((i for i, w in enumerate(words[:3]) if os.path.basename(w).startswith("papermill")), None)
        if start is not None:
            notebook = _first_positional(words[start + 1 :])
            return os.path.normpath(os.path.join(cwd, notebook)) if notebook else None
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        if pid <= 1:
            return None
    return None


def _first_positional(words: list[str]) -> str | None:
    skip = 0
    for word in words:
        if skip:
            skip -= 1
        elif word in _PAPERMILL_PAIRS:
            skip = 2
        elif word in _PAPERMILL_VALUES:
            skip = 1
        elif not word.startswith("-"):
            return word
    return None
