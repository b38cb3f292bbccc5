"""Read an .ipynb file for analysis only, without importing nbformat.

``nbformat`` validates with jsonschema, whose import alone takes longer than analysing a
100-cell notebook (hundreds of ms, seconds on a loaded machine), which would make ``nbops
check`` miss its sub-second budget. Analysis needs only the cells' type, source, tags, id and
execution count, so a v4 file is read with ``json``; anything older goes through nbformat's
converter.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InvalidValueError

__all__ = ["read_notebook"]


class _Node(dict):
    """A dict with attribute access, like nbformat's NotebookNode, for what analysis reads."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def read_notebook(path: str | Path):
    """The notebook at ``path`` as nodes with ``cells`` (sources joined), or InvalidValueError."""
    path = Path(path)
    if not path.is_file():
        raise InvalidValueError(f"notebook {str(path)!r} does not exist; pass the path of an .ipynb file")
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidValueError(f"{path} is not a readable notebook: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or data.get("nbformat") != 4:
        return _converted(path)
    cells = []
    for raw in data["cells"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("cell_type"), str):
            return _converted(path)  # nbformat says what exactly is wrong
        cell = _Node(raw)
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell["metadata"] = _Node(cell.get("metadata") or {})
        cells.append(cell)
    return _Node(data, cells=cells, metadata=_Node(data.get("metadata") or {}))


def _converted(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidValueError(f"{path} is not a readable notebook: {exc}") from None
