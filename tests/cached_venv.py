"""A virtualenv some tests need beside the main one, built once per machine and reused.

Airflow, MLServer and the deep-learning frameworks pin libraries that would fight Jupyter's, so
each lives in its own venv under ``~/.cache/nbops-test/<folder>`` (``NBOPS_TEST_CACHE`` moves the
root). A marker written last holds the requirements the venv was built for: an interrupted
install, or one for other requirements, is rebuilt. A file lock beside the folder makes a second
process (a pytest-xdist worker, a CI install script) wait for the first one's build instead of
building into the same folder at the same time.
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
        subprocess.run([str(self.executable()), "-m", "pip", "install", "-q", *self.requirements], check=True)
        # last: an interrupted install is redone next time
        (folder / ".nbops-ready").write_text(json.dumps(list(self.requirements)))
