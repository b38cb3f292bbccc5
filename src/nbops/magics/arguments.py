"""Parsing ``%track`` / ``%%track`` arguments into one-line UsageErrors."""

from __future__ import annotations

import argparse
import shlex
from typing import NamedTuple

from IPython.core.error import UsageError

USAGE_LINE = "%track EXPERIMENT [--name N] [--tag k=v ...] [--autolog]  |  %track --end [--status S]"
USAGE_CELL = "%%track EXPERIMENT [--params a,b] [--metrics x,y] [--name N] [--tag k=v ...] [--autolog]"


class TrackArgs(NamedTuple):
    experiment: str | None
    name: str | None
    tags: dict
    params: list[str] | None
    metrics: list[str]
    end: bool
    status: str
    autolog: bool = False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print and exit the kernel
        raise UsageError(f"{message}; usage: {self.usage}")


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise UsageError(f"{', '.join(map(repr, bad))} is not a variable name; list names as a,b,c")
    return names


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"tag {text!r} is not key=value")
    return key, value


def parse(line: str, cell: bool) -> TrackArgs:
    parser = _Parser(prog="%%track" if cell else "%track", usage=USAGE_CELL if cell else USAGE_LINE, add_help=False)
    parser.add_argument("experiment", nargs="?")
    parser.add_argument("--name")
    parser.add_argument("--tag", action="append", default=[], type=_tag)
    parser.add_argument("--autolog", action="store_true")
    if cell:
        parser.add_argument("--params", type=_names)
        parser.add_argument("--metrics", type=_names, default=[])
    else:
        parser.add_argument("--end", action="store_true")
        parser.add_argument("--status", default="finished", choices=["finished", "failed", "killed"])
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot read {line!r}: {exc}") from None
    ns = parser.parse_args(words)
    end = getattr(ns, "end", False)
    if not end and not ns.experiment:
        raise UsageError(f"name the experiment; usage: {parser.usage}")
    if end and (ns.experiment or ns.autolog):
        raise UsageError("%track --end takes no experiment name and no --autolog")
    return TrackArgs(
        experiment=ns.experiment,
        name=ns.name,
        tags=dict(ns.tag),
        params=getattr(ns, "params", None),
        metrics=getattr(ns, "metrics", []),
        end=end,
        status=getattr(ns, "status", "finished"),
        autolog=ns.autolog,
    )
