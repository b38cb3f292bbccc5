"""A virtualenv with Apache Airflow for the Airflow target's test, cached per machine.

Airflow's pins must not fight Jupyter's, so it lives in its own venv, created once under
``~/.cache/nbops-test/airflow-<version>`` (``NBOPS_TEST_CACHE`` moves it) with the same versions
of the fixture notebook's libraries as this environment, so both runs compute the same numbers.
``python tests/productionize/airflow_venv.py`` (``.ci/install-airflow``) creates it ahead of the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

AIRFLOW_VERSION = "3.3.2"
SHARED = ("numpy", "pandas", "scikit-learn", "scipy", "pyarrow", "joblib")  # what the fixture's steps import
# what nbops needs to log from a task (psutil comes with Airflow); the test puts nbops's source on PYTHONPATH
NBOPS_RUNTIME = ("sqlite-utils", "orjson")


def requirements() -> list[str]:
    return [f"apache-airflow=={AIRFLOW_VERSION}"] + [f"{name}=={version(name)}" for name in SHARED + NBOPS_RUNTIME]


def venv_dir() -> Path:
    """One folder per set of requirements: machines shared by several checkouts keep each one's venv."""
    import hashlib

    root = Path(os.environ.get("NBOPS_TEST_CACHE") or Path.home() / ".cache" / "nbops-test")
    digest = hashlib.sha256(json.dumps(requirements()).encode()).hexdigest()[:8]
    return root / f"airflow-{AIRFLOW_VERSION}-{digest}"


def ensure_venv() -> Path:
    """The venv's python, creating the venv when missing or made for other requirements."""
    folder, wanted = venv_dir(), requirements()
    marker = folder / ".nbops-ready"
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return folder / "bin" / "python"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *wanted], check=True)
    marker.write_text(json.dumps(wanted))  # last: an interrupted install is redone next time
    return folder / "bin" / "python"


if __name__ == "__main__":
    print(ensure_venv())
