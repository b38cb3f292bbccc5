"""Makes the fixture-notebook builders importable whatever pytest's import mode."""

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def orchestrated(tmp_path_factory):
    """The training fixture exported once with every orchestrator target (KFP and Airflow)."""
    import nbformat
    import pipeline_notebooks as nbs

    from nbops.productionize import productionize

    import importlib.util
    import os

    # without the kfp extra (outside CI) the KFP tests skip; the Airflow ones still run
    kfp = os.environ.get("CI") == "true" or importlib.util.find_spec("kfp") is not None
    workspace = tmp_path_factory.mktemp("orchestrated")
    nbformat.write(nbs.training(), workspace / "training.ipynb")
    result = productionize(workspace / "training.ipynb", workspace / "pkg",
                           targets=["kfp", "airflow"] if kfp else ["airflow"], run_tests=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result
