"""Dependencies of the generated package: imported distributions pinned to the kernel's
versions (``>=installed,<next major``) plus the packages harvested from ``%pip install``."""

from __future__ import annotations

import re

__all__ = ["requirements"]

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
