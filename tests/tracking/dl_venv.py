"""A virtualenv with PyTorch Lightning, Keras 3 and Hugging Face Transformers for the
deep-learning autologging tests, cached per machine.

Their pins (torch alone is hundreds of MB) must not weigh on the main test environment, so they
live in their own venv under ``~/.cache/nbops-test/dl-<hash>`` (``NBOPS_TEST_CACHE`` moves it).
torch is pinned to the CPU build the machine's package index offers (any other torch would pull
a CUDA build of several GB). The tests put nbops's source on PYTHONPATH, so the venv holds only
what nbops imports to log a run. ``python tests/tracking/dl_venv.py`` (``.ci/install-dl``)
creates it ahead of the tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

FRAMEWORKS = (
    "torch==2.13.0",
    "lightning==2.6.6",
    "keras==3.15.1",
    "transformers==5.24.0",
    "accelerate==1.15.0",
)
NBOPS_RUNTIME = ("sqlite-utils", "orjson", "numpy", "psutil")  # what logging a run imports


def requirements() -> list[str]:
    return [*FRAMEWORKS] + [f"{name}=={version(name)}" for name in NBOPS_RUNTIME]


def venv_dir() -> Path:
    """One folder per set of requirements: machines shared by several checkouts keep each one's venv."""
    root = Path(os.environ.get("NBOPS_TEST_CACHE") or Path.home() / ".cache" / "nbops-test")
    digest = hashlib.sha256(json.dumps(requirements()).encode()).hexdigest()[:8]
    return root / f"dl-{digest}"


def ready() -> Path | None:
    """The venv's python when it exists for these requirements, else None."""
    folder = venv_dir()
    marker = folder / ".nbops-ready"
    if marker.exists() and json.loads(marker.read_text()) == requirements():
        return folder / "bin" / "python"
    return None


def ensure_venv() -> Path:
    """The venv's python, creating the venv when missing or made for other requirements."""
    python = ready()
    if python is not None:
        return python
    folder, wanted = venv_dir(), requirements()
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *wanted], check=True)
    (folder / ".nbops-ready").write_text(json.dumps(wanted))  # last: an interrupted install is redone next time
    return folder / "bin" / "python"


if __name__ == "__main__":
    print(ensure_venv())
