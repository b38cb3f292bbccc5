"""A virtualenv with MLServer and its MLflow runtime for the export tests, cached per machine.

MLServer pins its own FastAPI, pydantic and mlflow, which must not fight Jupyter's, so it lives
in its own venv under ``~/.cache/nbops-test/mlserver-<version>`` (``NBOPS_TEST_CACHE`` moves it),
with this environment's scikit-learn and numpy so it unpickles the exported model exactly.
``python tests/model_export/mlserver_venv.py`` (``.ci/install-mlserver``) creates it ahead of the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

MLSERVER_VERSION = "1.7.1"
SHARED = ("scikit-learn", "numpy")  # what unpickling the exported estimator needs


def requirements() -> list[str]:
    return [f"mlserver=={MLSERVER_VERSION}", f"mlserver-mlflow=={MLSERVER_VERSION}"] + [
        f"{name}=={version(name)}" for name in SHARED
    ]


def venv_dir() -> Path:
    root = Path(os.environ.get("NBOPS_TEST_CACHE") or Path.home() / ".cache" / "nbops-test")
    return root / f"mlserver-{MLSERVER_VERSION}"


def ensure_venv() -> Path:
    """The venv's ``mlserver`` executable, creating the venv when missing or made for other requirements."""
    folder, wanted = venv_dir(), requirements()
    marker = folder / ".nbops-ready"
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return folder / "bin" / "mlserver"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *wanted], check=True)
    marker.write_text(json.dumps(wanted))  # last: an interrupted install is redone next time
    return folder / "bin" / "mlserver"


if __name__ == "__main__":
    print(ensure_venv())
