"""Tagged notebook cells -> a parameterized, tested pipeline package, proven to reproduce the notebook.

    productionize(notebook, out_dir, force=False, run_tests=True, progress=callback) -> Result

Imports nothing from tornado, jupyter_server or the IPython kernel; IPython's input
transformer is imported on first use. The names below load on first access, so ``nbops
check`` (analysis only) does not pay for the golden run's and codegen's modules.
"""

from __future__ import annotations

import importlib

__all__ = ["productionize", "analyse_notebook", "Result", "Diagnostic", "CODES", "STAGES"]

_HOME = {
    "productionize": ".convert",
    "analyse_notebook": ".convert",
    "Result": ".convert",
    "STAGES": ".convert",
    "Diagnostic": ".diagnostics",
    "CODES": ".diagnostics",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name], __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
