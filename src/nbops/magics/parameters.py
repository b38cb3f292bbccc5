"""The names assigned in a notebook's papermill ``parameters`` cell."""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from pathlib import Path

PAPERMILL_HEADER = "# Parameters"


def parameter_names(notebook_path: str | None, history: Sequence[str] = ()) -> list[str]:
    """Variables of the notebook's ``parameters`` cell and of papermill's injected one.

    The kernel knows its notebook file when a Jupyter server started it (or when papermill's
    command line names it). Either way papermill's injected cell (``# Parameters`` first) is
    in the history, right after the ``parameters`` cell it overrides, so every variable of
    that cell counts, not only the injected ones.
    """
    names = _tagged_cell_names(notebook_path)
    for index, source in enumerate(history):
        if source.lstrip().startswith(PAPERMILL_HEADER):
            defaults = assigned_names(history[index - 1]) if index > 0 else []
            names += [n for n in defaults + assigned_names(source) if n not in names]
    return names


def _tagged_cell_names(notebook_path: str | None) -> list[str]:
    if not notebook_path:
        return []
    try:
        notebook = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return assigned_names("".join(source) if isinstance(source, list) else source)
    return []


def assigned_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in names:
                    names.append(leaf.id)
    return names
