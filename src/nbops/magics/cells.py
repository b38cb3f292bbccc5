"""The cells a kernel executes while a run is active, in execution order."""

from __future__ import annotations


class CellRecorder:
    """Remembers the source and execution count of each cell run after ``start``."""

    def __init__(self):
        self.cells: list[dict] = []

    def __call__(self, result) -> None:  # IPython's post_run_cell event
        info = result.info
        if info is None or info.raw_cell is None:
            return
        self.cells.append({"execution_count": result.execution_count, "source": info.raw_cell,
                           "cell_id": getattr(info, "cell_id", None), "success": result.success})
