"""Coded diagnostics: what cannot be converted, where, and how to fix it.

Every diagnostic is anchored to a cell (index and id) and, where known, a line of that
cell's source, so the Lab view can jump to it and the CLI can print ``cell 3, line 2``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass

__all__ = ["CODES", "Diagnostic", "has_errors", "fold_consequences"]

ERROR = "error"
WARNING = "warning"
INFO = "info"

#: code -> (severity, title). The README table is generated from and checked against this.
CODES: dict[str, tuple[str, str]] = {
    # tags
    "NB101": (ERROR, "unknown nbops tag"),
    "NB102": (ERROR, "malformed step, after or limit tag"),
    "NB103": (WARNING, "tag looks like a misspelt nbops tag"),
    "NB104": (ERROR, "cell has two step tags"),
    "NB105": (ERROR, "after: names a step that does not exist"),
    "NB106": (ERROR, "steps form a cycle"),
    "NB107": (ERROR, "cell has conflicting role tags"),
    "NB108": (ERROR, "notebook has no step cells"),
    "NB109": (ERROR, "parameters cell is not literal assignments"),
    "NB110": (INFO, "parameter defaults to None without a type: values arrive as text"),
    "NB111": (INFO, "Kale tag not carried to the orchestrator tasks"),
    "NB112": (INFO, "parameters cell computes a value: it runs in the first step that reads it"),
    # IPython syntax
    "NB201": (ERROR, "syntax error"),
    "NB202": (ERROR, "shell command"),
    "NB203": (ERROR, "%cd changes the working directory"),
    "NB204": (ERROR, "%run executes another file"),
    "NB205": (ERROR, "unsupported magic"),
    "NB206": (ERROR, "top-level await, which only a kernel runs"),
    "NB210": (INFO, "display-only magic or shell command dropped"),
    "NB211": (INFO, "timing/capture magic unwrapped"),
    "NB212": (INFO, "package install harvested into dependencies"),
    "NB213": (INFO, "magic translated to Python"),
    "NB214": (INFO, "tracking magic joins the pipeline's run"),
    "NB215": (ERROR, "value taken from Colab, which exists only there"),
    "NB216": (INFO, "if __name__ == '__main__': runs, as in the kernel"),
    "NB217": (INFO, "data handle pickle cannot carry is built again in each step that reads it"),
    # analysis
    "NB301": (ERROR, "name defined only in an untagged cell"),
    "NB302": (ERROR, "name defined only in a skipped cell"),
    "NB303": (ERROR, "undefined name"),
    "NB304": (ERROR, "star import"),
    "NB305": (ERROR, "function writes a global"),
    "NB306": (WARNING, "function or class defined twice"),
    "NB307": (INFO, "library function reads a parameter: made a keyword argument"),
    "NB308": (ERROR, "library function reads notebook data"),
    "NB309": (ERROR, "setup or library cell uses parameters or step data"),
    "NB310": (ERROR, "test cell uses a name the pipeline does not produce"),
    "NB311": (WARNING, "library cell runs statements"),
    "NB312": (ERROR, "step uses a name defined only by a later step"),
    "NB313": (WARNING, "library function reads notebook data: made a keyword argument"),
    "NB314": (INFO, "a step's function declares its variable global: made nonlocal"),
    # runs
    "NB401": (WARNING, "cells were executed out of order"),
    "NB402": (ERROR, "cell failed in the clean run"),
    "NB403": (INFO, "output differs between two clean runs"),
    "NB404": (ERROR, "generated step does not reproduce the notebook"),
    "NB405": (ERROR, "generated package failed to run"),
    "NB406": (ERROR, "generated tests failed"),
    "NB407": (ERROR, "generated module uses a name it neither defines nor imports"),
    "NB408": (ERROR, "step output cannot be pickled for --cache"),
    "NB409": (INFO, "output differs between two clean runs only in timing or progress text"),
    "NB410": (INFO, "step output passed between runners as a pickle"),
    "NB411": (ERROR, "orchestrator target did not compile"),
    "NB412": (INFO, "step output nothing reads cannot be pickled: left out of the step's result"),
    "NB413": (WARNING, "function or class a step defines reaches later steps in one process only"),
    "NB414": (WARNING, "step draws from a random state earlier steps advanced: reproduces in one process only"),
    "NB415": (INFO, "step changes an input in place through a call: it hands the changed copy on"),
    "NB416": (WARNING, "step reads a file an earlier step wrote: on a cluster, tasks do not share files"),
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    cell_index: int | None = None
    cell_id: str | None = None
    line: int | None = None
    suggestion: str | None = None
    hides: int = 0  # knock-on diagnostics of this root cause that are counted here instead of reported

    def __post_init__(self):
        if self.code not in CODES:
            raise KeyError(f"unknown diagnostic code {self.code!r}")

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    @property
    def title(self) -> str:
        return CODES[self.code][1]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity
        data["title"] = self.title
        return data

    def format(self) -> str:
        where = []
        if self.cell_index is not None:
            where.append(f"cell {self.cell_index}")
        if self.line is not None:
            where.append(f"line {self.line}")
        place = (", ".join(where) + ": ") if where else ""
        text = f"{self.code} {self.severity}: {place}{self.message}"
        if self.suggestion:
            text += f"\n    fix: {self.suggestion}"
        return text


def has_errors(diagnostics) -> bool:
    return any(d.severity == ERROR for d in diagnostics)


def codes_table() -> str:
    """The diagnostics table of the README (a test keeps the two identical)."""
    rows = ["| code | severity | meaning |", "|---|---|---|"]
    rows += [f"| {code} | {severity} | {title} |" for code, (severity, title) in CODES.items()]
    return "\n".join(rows)


def fold_consequences(diagnostics: list[Diagnostic], sources: dict[int, str]) -> list[Diagnostic]:
    """One diagnostic per root cause: an undefined name that an earlier star import or an earlier
    unparseable cell may define is a consequence of it, counted there instead of reported."""
    roots = [d for d in diagnostics if d.code in {"NB304", "NB201"} and d.cell_index is not None]
    hidden: dict[int, list[str]] = {}
    kept = []
    for diag in diagnostics:
        name = diag.message.split("'")[1] if diag.code == "NB303" and "'" in diag.message else None
        root = next(
            (
                r
                for r in roots
                if name
                and diag.cell_index is not None
                and r.cell_index <= diag.cell_index
                and (r.code == "NB304" or re.search(rf"\b{re.escape(name)}\b", sources.get(r.cell_index, "")))
            ),
            None,
        )
        if root is None:
            kept.append(diag)
        else:
            hidden.setdefault(id(root), []).append(name)
    folded = []
    for diag in kept:
        names = hidden.get(id(diag))
        if names:
            unique = list(dict.fromkeys(names))
            shown = ", ".join(unique[:5]) + (", ..." if len(unique) > 5 else "")
            plural = "s are" if len(names) != 1 else " is"
            diag = dataclasses.replace(
                diag,
                hides=len(names),
                message=f"{diag.message}; {len(names)} knock-on "
                f"'not defined' error{plural} counted here instead ({shown})",
            )
        folded.append(diag)
    return folded
