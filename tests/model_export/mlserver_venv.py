"""A virtualenv with MLServer and its MLflow runtime for the export tests, cached per machine.

MLServer pins its own FastAPI, pydantic and mlflow, which must not fight Jupyter's, so it lives
in its own venv under ``~/.cache/nbops-test/mlserver-<version>`` (``NBOPS_TEST_CACHE`` moves it),
with this environment's scikit-learn and numpy so it unpickles the exported model exactly.
``python tests/model_export/mlserver_venv.py`` (``.ci/install-mlserver``) creates it ahead of the tests.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, also when run as a script
from cached_venv import CachedVenv  # noqa: E402

MLSERVER_VERSION = "1.7.1"
SHARED = ("scikit-learn", "numpy")  # what unpickling the exported estimator needs


def venv() -> CachedVenv:
    requirements = [f"mlserver=={MLSERVER_VERSION}", f"mlserver-mlflow=={MLSERVER_VERSION}"] + [
        f"{name}=={version(name)}" for name in SHARED
    ]
    # one folder per MLServer version (no digest), as it was first cached
    return CachedVenv(f"mlserver-{MLSERVER_VERSION}", tuple(requirements), hashed=False)


def ensure_venv() -> Path:
    """The venv's ``mlserver`` executable, creating the venv when missing or made for other requirements."""
    return venv().ensure().executable("mlserver")


if __name__ == "__main__":
    print(ensure_venv())
