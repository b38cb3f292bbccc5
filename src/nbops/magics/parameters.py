"""The names assigned in a notebook's papermill ``parameters`` cell."""

from __future__ import annotations

import ast
import json
from pathlib import Path


def parameter_names(notebook_path: str | None) -> list[str]:
    """Variables assigned by the cell tagged ``parameters`` (empty when none is found)."""
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
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in names:
                    names.append(leaf.id)
    return names
