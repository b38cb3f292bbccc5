"""A virtualenv with Apache Airflow for the Airflow target's test, cached per machine.

Airflow's pins must not fight Jupyter's, so it lives in its own venv, created once under
``~/.cache/nbops-test/airflow-<version>`` (``NBOPS_TEST_CACHE`` moves it) with the same versions
of the fixture notebook's libraries as this environment, so both runs compute the same numbers.
``python tests/productionize/airflow_venv.py`` (``.ci/install-airflow``) creates it ahead of the tests.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, also when run as a script
from cached_venv import CachedVenv  # noqa: E402

AIRFLOW_VERSION = "3.3.2"
SHARED = ("numpy", "pandas", "scikit-learn", "scipy", "pyarrow", "joblib")  # what the fixture's steps import
# what nbops needs to log from a task (psutil comes with Airflow); the test puts nbops's source on PYTHONPATH
NBOPS_RUNTIME = ("sqlite-utils", "orjson")


def venv() -> CachedVenv:
    requirements = [f"apache-airflow=={AIRFLOW_VERSION}"] + [
        f"{name}=={version(name)}" for name in SHARED + NBOPS_RUNTIME
    ]
    return CachedVenv(f"airflow-{AIRFLOW_VERSION}", tuple(requirements))


def ensure_venv() -> Path:
    """The venv's python, creating the venv when missing or made for other requirements."""
    return venv().ensure().executable()


if __name__ == "__main__":
    print(ensure_venv())
