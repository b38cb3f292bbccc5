"""What code two runs executed, side by side: their notebook cells (from provenance) aligned
and diffed cell by cell, and each run's git diff as it was when the run started."""

from __future__ import annotations

import difflib
from typing import Any

from .provenance import Provenance
from .runs import Runs

CONTEXT_LINES = 3
# Two cells at least this alike (difflib's ratio) are one cell edited, not one removed and one added.
SIMILAR = 0.5
MAX_PAIRS = 2_500


class CodeDiff:
    def __init__(self, provenance: Provenance, runs: Runs):
        self.provenance = provenance
        self.runs = runs

    def between(self, a: str, b: str) -> dict[str, Any]:
        """``{"runs": [a, b], "cells": [{status, a, b, diff}], "git_diff": {a: text, b: text}}``.

        Cells are aligned as lines are in a text diff (difflib), so a cell inserted in the
        middle shows as added rather than as every later cell changed. ``status`` is
        same, changed, added (only in b) or removed (only in a)."""
        headers = [self.runs.get(run_id) for run_id in (a, b)]  # 404 for an unknown run
        first, second = self.provenance.get(a), self.provenance.get(b)
        return {
            "runs": [{"id": run["id"], "name": run["name"]} for run in headers],
            "cells": _cell_diff(_sources(first), _sources(second), a, b),
            "has_cells": {a: first["cells"] is not None, b: second["cells"] is not None},
            "git_diff": {a: first["git_diff"], b: second["git_diff"]},
        }


def _sources(provenance: dict[str, Any]) -> list[str]:
    """The executed cells in execution order (provenance keeps them so)."""
    return [cell.get("source") or "" for cell in provenance.get("cells") or []]


def _cell_diff(old: list[str], new: list[str], a: str, b: str) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            cells += [_cell("same", old[i], new[j], a, b) for i, j in zip(range(i1, i2), range(j1, j2))]
        else:
            cells += [
                _cell(status, old[i] if i is not None else None, new[j] if j is not None else None, a, b)
                for status, i, j in _pair(old, new, range(i1, i2), range(j1, j2))
            ]
    return cells


# (status, index of the old cell, index of the new cell); None where a side has no cell.
Pair = tuple[str, int | None, int | None]


def _pair(old: list[str], new: list[str], olds: range, news: range) -> list[Pair]:
    """Inside a run of differing cells, pair each old cell with the most similar new one,
    in order (an alignment maximising total similarity); the rest were removed or added.
    A block too large to compare pairwise is paired by position."""
    if len(olds) * len(news) > MAX_PAIRS:
        pairs = min(len(olds), len(news))
        changed: list[Pair] = [("changed", olds[k], news[k]) for k in range(pairs)]
        return changed + [("removed", i, None) for i in olds[pairs:]] + [("added", None, j) for j in news[pairs:]]
    similar = {(i, j): difflib.SequenceMatcher(a=old[i], b=new[j], autojunk=False).ratio() for i in olds for j in news}
    m, n = len(olds), len(news)
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for x in range(1, m + 1):
        for y in range(1, n + 1):
            score = similar[olds[x - 1], news[y - 1]]
            paired = best[x - 1][y - 1] + score if score >= SIMILAR else -1.0
            best[x][y] = max(best[x - 1][y], best[x][y - 1], paired)
    steps: list[Pair] = []
    x, y = m, n
    while x or y:
        score = similar[olds[x - 1], news[y - 1]] if x and y else 0.0
        if x and y and score >= SIMILAR and best[x][y] == best[x - 1][y - 1] + score:
            steps.append(("changed", olds[x - 1], news[y - 1]))
            x, y = x - 1, y - 1
        elif x and (not y or best[x][y] == best[x - 1][y]):
            steps.append(("removed", olds[x - 1], None))
            x -= 1
        else:
            steps.append(("added", None, news[y - 1]))
            y -= 1
    return steps[::-1]


def _cell(status: str, old: str | None, new: str | None, a: str, b: str) -> dict[str, Any]:
    diff = (
        ""
        if status == "same"
        else "".join(
            difflib.unified_diff(_lines(old), _lines(new), fromfile=f"run {a}", tofile=f"run {b}", n=CONTEXT_LINES)
        )
    )
    return {"status": status, "a": old, "b": new, "diff": diff}


def _lines(source: str | None) -> list[str]:
    if source is None:
        return []
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # else the diff glues the last line to the next header
    return lines
