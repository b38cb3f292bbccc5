"""Files one step writes and a later step reads, seen in the clean run.

In ``pipeline.run`` every step runs in the notebook's folder, in the notebook's order, so a step
that saves ``model.pkl`` for a later one to load works as in the notebook. No variable links the
two steps, so the reader is ordered after the writer (an ``after`` edge: a KFP task's
``.after(...)``, an Airflow dependency), or an orchestrator would start both at once. On a cluster
each task also has a file system of its own (a KFP pod, an Airflow worker), where the file is not
there unless every task mounts one volume (as Kale does): with orchestrator targets such a
hand-off is a warning naming the file and both steps.
"""

from __future__ import annotations

from .dag import order_steps
from .diagnostics import Diagnostic

__all__ = ["order_file_handoffs"]


def order_file_handoffs(plan, recording, orchestrated: bool) -> list[Diagnostic]:
    """Order each step that reads a file after the earlier step that wrote it; with orchestrator
    targets, NB416 for each such file."""
    found = []
    written_by: dict[str, str] = {}  # path -> the last earlier step that wrote it
    for name in plan.order:
        step, files = plan.steps[name], recording.files.get(name, {})
        for path in files.get("read", []):
            writer = written_by.get(path)
            if writer is None or writer == name:
                continue
            if writer not in {target for target, _ in step.after}:
                step.after.append((writer, step.cells[0].cell))
            if orchestrated:
                found.append(_handoff(plan, writer, name, path))
        written_by.update((path, name) for path in files.get("wrote", []))
    plan.order, plan.edges, _ = order_steps(plan.steps)
    return found


def _handoff(plan, writer: str, reader: str, path: str) -> Diagnostic:
    cell = plan.steps[reader].cells[0].cell
    return Diagnostic(
        "NB416",
        f"step {reader!r} reads {path!r}, which step {writer!r} wrote: pipeline.run shares the notebook's "
        "folder, but on a cluster each KFP task or Airflow worker has a file system of its own",
        cell.index,
        cell.id,
        None,
        f"hand the value on as a variable {reader!r} reads (a step output), or mount one volume on every task",
    )
