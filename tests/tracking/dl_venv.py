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

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, also when run as a script
from cached_venv import CachedVenv  # noqa: E402

FRAMEWORKS = (
    "torch==2.13.0",
    "lightning==2.6.6",
    "keras==3.15.1",
    "transformers==5.24.0",
    "accelerate==1.15.0",
)
NBOPS_RUNTIME = ("sqlite-utils", "orjson", "numpy", "psutil")  # what logging a run imports


def venv() -> CachedVenv:
    return CachedVenv("dl", FRAMEWORKS + tuple(f"{name}=={version(name)}" for name in NBOPS_RUNTIME))


def ensure_venv() -> Path:
    """The venv's python, creating the venv when missing or made for other requirements."""
    return venv().ensure().executable()


if __name__ == "__main__":
    print(ensure_venv())
