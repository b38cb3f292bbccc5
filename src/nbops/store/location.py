"""Where a project's store lives: ``.nbops/`` found by walking up from a directory.

Like ``.git``: the nearest ancestor holding a ``.nbops`` folder owns the store;
``NBOPS_HOME`` (a path to such a folder) overrides the search. With neither, the
store is created in the starting directory.
"""

from __future__ import annotations

import os
from pathlib import Path

STORE_DIRNAME = ".nbops"
HOME_VARIABLE = "NBOPS_HOME"


def find_store_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """The ``.nbops`` folder for ``start`` (default: the working directory)."""
    home = os.environ.get(HOME_VARIABLE)
    if home:
        return Path(home).expanduser().resolve()
    origin = Path(start or os.getcwd()).resolve()
    for folder in (origin, *origin.parents):
        candidate = folder / STORE_DIRNAME
        if candidate.is_dir():
            return candidate
    return origin / STORE_DIRNAME
