"""Domain code never imports the web server or IPython; importing nbops stays light."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

FORBIDDEN = ("tornado", "jupyter_server", "IPython", "ipykernel")
HEAVY = ("pandas", "numpy", "plotly", "sqlite_utils", "ipywidgets", "scipy")
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nbops"
DOMAIN = ("store", "tracking", "drift", "productionize")
# IPython's own transformer is the one faithful reader of IPython syntax (magics, !shell): the
# exporter loads it lazily, on the first cell that is not plain Python. It needs no kernel.
ALLOWED = {"IPython.core.inputtransformer2"}


def domain_modules() -> list[str]:
    modules = []
    for package in DOMAIN:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def modules_after_import(module: str) -> set[str]:
    """Top-level names in sys.modules after importing ``module`` in a fresh interpreter;
    an import error fails the test (it once skipped such a module)."""
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, f"importing {module} failed:\n{out.stderr}"
    return {name.split(".")[0] for name in json.loads(out.stdout)}


def forbidden_imports(path: Path) -> set[str]:
    """The forbidden modules a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name for name in names - ALLOWED if name.split(".")[0] in FORBIDDEN}


@pytest.mark.parametrize("module", ["nbops", *(f"nbops.{p}" for p in DOMAIN)])
def test_domain_packages_import_no_server_or_ipython(module):
    loaded = modules_after_import(module)
    assert not loaded & set(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_every_domain_module_imports_cleanly_in_a_fresh_interpreter():
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
    out = subprocess.run([sys.executable, "-c", code, *domain_modules()], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_no_domain_module_imports_the_server_or_ipython_anywhere_in_its_code():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(forbidden_imports(path))
        for package in DOMAIN
        for path in (PACKAGE / package).rglob("*.py")
        if forbidden_imports(path)
    }
    assert not offenders


def test_import_nbops_loads_no_heavy_library():
    loaded = modules_after_import("nbops")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
