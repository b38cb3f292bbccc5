"""The folder a generated pipeline's steps run in, so the notebook's relative paths still work.

This module is copied verbatim into every generated package (as ``_workdir.py``). A notebook
reads ``pd.read_csv("datasets/housing.csv")`` relative to its own folder; the package runs its
steps inside that folder whatever the current directory, so its CLI and tests run from
anywhere; modules beside the notebook import from there, as in the notebook's kernel. The
folder is, in order: the ``workdir`` argument (``--workdir``), the
``<PACKAGE>_WORKDIR`` environment variable, or the notebook's folder recorded relative to the
package's root folder at export (used when it exists: an installed wheel has no such folder,
and then the current directory is used).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

__all__ = ["resolve", "inside"]


def resolve(explicit, *, default: str | None, root: Path, env_var: str) -> Path | None:
    """The folder to run in, or None to stay in the current directory."""
    chosen = explicit or os.environ.get(env_var)
    if chosen:
        folder = Path(chosen).expanduser().resolve()
        if not folder.is_dir():
            raise ValueError(
                f"working folder {str(folder)!r} does not exist; pass an existing directory (--workdir or {env_var})"
            )
        return folder
    if default is None:
        return None
    folder = (root / default).resolve()
    return folder if folder.is_dir() else None


@contextlib.contextmanager
def inside(folder: Path | None):
    """Run the body as the notebook's cells ran: in ``folder``, with the folder first on
    ``sys.path``, and with no command-line arguments; come back, also when it raises. A kernel
    started in the notebook's folder imports the modules beside the notebook (``import utils``,
    a ``%%writefile helpers.py``) from there; so do the steps. A cell that parses the command
    line (``parser.parse_known_args()``, converted from a script) got its defaults, not the
    runner's arguments (``run --cache DIR``, pytest's, an orchestrator task's)."""
    with _no_arguments(), _in_folder(folder):
        yield folder


@contextlib.contextmanager
def _no_arguments():
    arguments = sys.argv[1:]
    sys.argv[1:] = []
    try:
        yield
    finally:
        sys.argv[1:] = arguments


@contextlib.contextmanager
def _in_folder(folder: Path | None):
    if folder is None:
        yield
        return
    previous = os.getcwd()
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(folder))
        os.chdir(previous)
