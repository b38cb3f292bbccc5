"""Dependencies of the generated package: imported distributions pinned to the kernel's
versions (``>=installed,<next major``) plus the packages harvested from ``%pip install``,
the lines of a requirements file it names (``-r requirements.txt``) included."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from .diagnostics import Diagnostic
from .syntax import pip_install_arguments

__all__ = ["requirements", "read_requirement_files"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pin(dist: str, version: str) -> str:
    major = version.split(".")[0]
    upper = f",<{int(major) + 1}" if major.isdigit() else ""
    return f"{dist}>={version}{upper}"


def requirements(environment: dict, harvested: list[str]) -> list[str]:
    found: dict[str, str] = {}
    for key, (dist, version) in sorted(environment.items()):
        if not key.startswith("req:"):
            found.setdefault(_canonical(dist), _pin(dist, version))
    for requirement in harvested:
        match = _NAME.match(requirement)
        if not match:
            continue
        name = _canonical(match.group(0))
        has_spec = len(requirement) > len(match.group(0))
        installed = environment.get("req:" + match.group(0))
        if has_spec:
            found[name] = requirement
        elif name not in found:
            found[name] = _pin(installed[0], installed[1]) if installed else requirement
    return [found[k] for k in sorted(found)]


def read_requirement_files(plan, workdir: Path) -> list[Diagnostic]:
    """Add the requirements of each ``pip install -r FILE`` of the notebook to ``plan``, FILE
    read from ``workdir`` as the kernel's pip did; a file that is not there is an error."""
    problems = []
    for name, cell, cell_id, line in plan.requirement_files:
        try:
            plan.requirements += _requirement_lines(workdir / name, set())
        except (OSError, UnicodeDecodeError) as exc:  # missing, a folder, or not text
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problems.append(
                Diagnostic(
                    "NB205",
                    f"pip install -r {name}: cannot read {name} in the notebook's folder ({reason})",
                    cell,
                    cell_id,
                    line,
                    "keep the requirements file beside the notebook, or list the packages: %pip install pandas",
                )
            )
    return problems


def _requirement_lines(path: Path, seen: set[Path]) -> list[str]:
    """A requirements file's requirements, files it includes (``-r other.txt``) followed; pip's
    options (``--index-url``, ``-e .``, ``-c constraints.txt``) are no distributions and are left out."""
    if path.resolve() in seen:
        return []
    seen.add(path.resolve())
    found: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("-"):  # a requirement, markers and spaces included
            found.append(line)
            continue
        _, included = pip_install_arguments(shlex.split(line))  # an option line: the same as on pip's command line
        for name in included:
            found += _requirement_lines(path.parent / name, seen)
    return found
