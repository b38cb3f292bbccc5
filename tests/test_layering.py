"""Domain code never imports the web server or IPython; importing nbops stays light."""

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("tornado", "jupyter_server", "IPython", "ipykernel")
HEAVY = ("pandas", "numpy", "plotly", "sqlite_utils", "ipywidgets", "scipy")


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in json.loads(out.stdout)}


@pytest.mark.parametrize("module", ["nbops", "nbops.store", "nbops.tracking", "nbops.drift", "nbops.productionize",
                                    "nbops.mlflow_sync"])
def test_domain_packages_import_no_server_or_ipython(module):
    pytest.importorskip(module)
    loaded = modules_after_import(module)
    assert not loaded & set(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_import_nbops_loads_no_heavy_library():
    loaded = modules_after_import("nbops")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
