"""Where a package may be written, and what ``force`` may replace.

The rule, for every surface (CLI, ``productionize()``, REST, nbconvert): nbops never deletes
or replaces a folder that holds the notebook, the nbops store, or any file the package did
not write. Each package it writes carries a manifest (``.nbops-package.json``) listing its
files; ``force`` replaces only a folder with that manifest and nothing else in it but the
listed files and the caches running the package makes (``__pycache__``, ``.pytest_cache``).
An empty folder holds nothing to lose and may be replaced too.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import InvalidValueError

__all__ = [
    "MANIFEST",
    "manifest",
    "refuse_unsafe",
    "check_target",
    "check_writable",
    "replace_folder",
    "protected_stores",
    "foreign_files",
]

MANIFEST = ".nbops-package.json"
#: What running or testing a package creates inside it; safe to delete with it.
CACHES = frozenset({"__pycache__", ".pytest_cache"})
SHOWN = 5  # foreign files named in a refusal


def manifest(files, package: str, notebook: str) -> str:
    """The manifest's JSON: which files nbops wrote, so a later ``force`` knows what it may replace."""
    from .. import __version__

    return (
        json.dumps(
            {
                "generator": "nbops",
                "nbops_version": __version__,
                "package": package,
                "notebook": notebook,
                "files": sorted({*files, MANIFEST}),
            },
            indent=1,
        )
        + "\n"
    )


def protected_stores(*starts: Path) -> list[Path]:
    """Store folders to keep out of reach: ``NBOPS_HOME`` and each ``.nbops`` above ``starts``."""
    from ..store import HOME_VARIABLE, STORE_DIRNAME

    found = []
    home = os.environ.get(HOME_VARIABLE)
    if home:
        found.append(Path(home).expanduser().resolve())
    for start in starts:
        for folder in (start, *start.parents):
            if (folder / STORE_DIRNAME).is_dir():
                found.append((folder / STORE_DIRNAME).resolve())
    return list(dict.fromkeys(found))


def refuse_unsafe(out_dir: Path, *, notebook: Path | None = None, stores=(), shown: str | None = None) -> None:
    """Raise unless writing (and, if it exists, replacing) ``out_dir`` loses nothing of the user's.

    Refused whatever ``force`` says: a path that is a file, a folder holding the notebook or a
    store (or inside a store), and an existing folder holding files nbops did not write.
    """
    name = shown or str(out_dir)
    hint = f"choose a new folder, e.g. {notebook.stem}_pipeline" if notebook is not None else "choose a new folder"
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidValueError(f"output folder {name!r} is a file; choose a folder")
    if notebook is not None and notebook.exists() and notebook.resolve().is_relative_to(out_dir):
        raise InvalidValueError(
            f"output folder {name!r} contains the notebook {notebook.name}; nbops never "
            f"replaces a folder holding the notebook: {hint}"
        )
    for store in stores:
        if store.is_relative_to(out_dir) or out_dir.is_relative_to(store):
            where = "is inside" if out_dir.is_relative_to(store) and out_dir != store else "holds"
            raise InvalidValueError(
                f"output folder {name!r} {where} the nbops store {store}; nbops never writes a package there: {hint}"
            )
    foreign = foreign_files(out_dir)
    if foreign:
        listed = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
        raise InvalidValueError(
            f"output folder {name!r} holds files nbops did not write ({listed}); nbops replaces "
            f"only a package folder it wrote itself (marked by {MANIFEST}): {hint}, or move "
            "those files out"
        )


def check_target(
    out_dir: Path, force: bool, *, notebook: Path | None = None, stores=(), shown: str | None = None
) -> None:
    """:func:`refuse_unsafe`, then refuse an existing folder unless ``force``."""
    refuse_unsafe(out_dir, notebook=notebook, stores=stores, shown=shown)
    if out_dir.exists() and not force:
        raise InvalidValueError(
            f"output directory {shown or out_dir} already exists; choose another or pass "
            "force=True (--force) to replace the package nbops wrote there"
        )


def foreign_files(out_dir: Path) -> list[str]:
    """Files and folders under ``out_dir`` that its manifest does not list (all of them without one)."""
    if not out_dir.is_dir():
        return []
    listed = _listed(out_dir)
    found = []
    for root, dirs, files in os.walk(out_dir):
        dirs[:] = sorted(d for d in dirs if d not in CACHES)
        rel_root = Path(root).relative_to(out_dir)
        for name in sorted(files):
            relative = (rel_root / name).as_posix()
            if relative not in listed:
                found.append(relative)
        for name in dirs:  # a symlinked folder is not walked: it counts as foreign unless listed
            path = Path(root) / name
            if path.is_symlink() and (rel_root / name).as_posix() not in listed:
                found.append((rel_root / name).as_posix())
    return found


def _listed(out_dir: Path) -> set[str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict) or data.get("generator") != "nbops" or not isinstance(data.get("files"), list):
        return set()
    return {f for f in data["files"] if isinstance(f, str)}


def check_writable(out_dir: Path, shown: str | None = None) -> None:
    """Fail now, not after the golden run, when ``out_dir`` cannot be created.

    Writes a probe folder into the nearest existing ancestor and removes it: permission bits
    alone cannot tell (root ignores them; a read-only mount does not show in them).
    """
    name = shown or str(out_dir)
    ancestor = out_dir.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidValueError(
            f"output folder {name!r} cannot be created: {ancestor} is a file, not a folder; "
            "choose a folder under a directory"
        )
    try:
        Path(tempfile.mkdtemp(prefix=".nbops-probe-", dir=ancestor)).rmdir()
    except OSError as exc:
        raise InvalidValueError(
            f"output folder {name!r} cannot be written: {exc.strerror} in {ancestor}; choose a folder you can write"
        ) from None


def replace_folder(staging: Path, out_dir: Path, force: bool, *, notebook: Path | None = None, stores=()) -> None:
    """Move ``staging`` to ``out_dir``; an old package there is replaced only if it passes the rule.

    The old folder is renamed aside first and checked again as it is then (a file added since the
    first check makes the swap undo itself), so nothing of the user's is ever deleted.
    """
    check_target(out_dir, force, notebook=notebook, stores=stores)
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    aside.rmdir()
    os.replace(out_dir, aside)
    try:
        refuse_unsafe(aside, shown=str(out_dir))
    except InvalidValueError:
        os.replace(aside, out_dir)
        raise
    try:
        os.replace(staging, out_dir)
    except OSError:
        os.replace(aside, out_dir)  # the old package stays where it was
        raise
    shutil.rmtree(aside, ignore_errors=True)
