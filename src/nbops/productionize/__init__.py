"""Tagged notebook cells -> a parameterized, tested pipeline package, proven to reproduce the notebook.

    productionize(notebook, out_dir, force=False, run_tests=True, progress=callback) -> Result

Imports nothing from tornado, jupyter_server or the IPython kernel; IPython's input
transformer is imported on first use.
"""

from .convert import STAGES, Result, analyse_notebook, productionize
from .diagnostics import CODES, Diagnostic

__all__ = ["productionize", "analyse_notebook", "Result", "Diagnostic", "CODES", "STAGES"]
