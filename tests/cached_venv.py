"""A virtualenv some tests need beside the main one, built once per machine and reused.

Airflow, MLServer and the deep-learning frameworks pin libraries that would fight Jupyter's, so
each lives in its own venv under ``~/.cache/nbops-test/<folder>`` (``NBOPS_TEST_CACHE`` moves the
root). A marker written last holds the requirements the venv was built for: an interrupted
install, or one for other requirements, is rebuilt. A file lock beside the folder makes a second
process (a pytest-xdist worker, a CI install script) wait for the first one's build instead of
building into the same folder at the same time.

uv installs the requirements: it downloads in parallel and unpacks several times faster than pip,
and resolves to the same versions from the same index. A venv whose requirements need pip's view of
this machine (the CPU torch wheel its pip configuration offers, which uv does not see) asks for pip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from filelock import FileLock

# Building the DL venv downloads torch: give a waiting process that long before it gives up.
BUILD_TIMEOUT = 1800


@dataclass(frozen=True)
class CachedVenv:
    """``name`` is the folder's prefix; ``hashed`` appends a digest of the requirements to it, so
    machines shared by several checkouts keep one venv per set of requirements."""

    name: str
    requirements: tuple[str, ...]
    hashed: bool = True
    installer: Literal["uv", "pip"] = "uv"

    def __post_init__(self) -> None:
        if self.installer not in ("uv", "pip"):
            raise ValueError(f"installer {self.installer!r} of the {self.name} venv: use 'uv' or 'pip'")

    @property
    def folder(self) -> Path:
        root = Path(os.environ.get("NBOPS_TEST_CACHE") or Path.home() / ".cache" / "nbops-test")
        if not self.hashed:
            return root / self.name
        # the digest of the JSON list, as the folders built before this module were named
        digest = hashlib.sha256(json.dumps(list(self.requirements)).encode()).hexdigest()[:8]
        return root / f"{self.name}-{digest}"

    def executable(self, name: str = "python") -> Path:
        return self.folder / "bin" / name

    def ready(self) -> bool:
        """Whether the venv is built, completely, for these requirements."""
        marker = self.folder / ".nbops-ready"
        return marker.exists() and json.loads(marker.read_text()) == list(self.requirements)

    def ensure(self) -> CachedVenv:
        """Build the venv unless it is ready; returns self."""
        if self.ready():
            return self
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{self.folder}.lock", timeout=BUILD_TIMEOUT):
            if not self.ready():  # another process may have built it while this one waited
                self._build()
        return self

    def _build(self) -> None:
        folder = self.folder
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run(self._install_command(), check=True)
        # last: an interrupted install is redone next time
        (folder / ".nbops-ready").write_text(json.dumps(list(self.requirements)))

    def _install_command(self) -> list[str]:
        python = str(self.executable())
        if self.installer == "pip":
            return [python, "-m", "pip", "install", "-q", *self.requirements]
        # --compile-bytecode writes the .pyc files at install time as pip does, so a test's first
        # import of Airflow or MLServer costs what every later one does
        return [_uv(), "pip", "install", "--python", python, "--quiet", "--compile-bytecode", *self.requirements]


def _uv() -> str:
    """The uv executable of the environment running this module (the ``test`` extra installs it)."""
    try:
        from uv import find_uv_bin
    except ImportError as error:
        raise RuntimeError(f"uv is not installed in {sys.prefix}: run bash .ci/install") from error
    return find_uv_bin()
