"""``nbops mlflow push|pull``: the command line of the MLflow sync."""

from __future__ import annotations

import argparse
import re
import sys
import time

from ..errors import InvalidValueError

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None) -> float:
    """Unix seconds of ``--since``: an ISO date or date-time (local time unless it names a zone),
    or an age such as ``90m``, ``12h``, ``7d``."""
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        return (time.time() if now is None else now) - float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise InvalidValueError(
            f"--since {text!r} is not valid: use an ISO date or time (2026-12-01, "
            "2026-12-01T09:30) or an age such as 90m, 12h, 7d"
        ) from None


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not valid: use a whole number of requests, 1 or more")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    push = actions.add_parser(
        "push",
        help="copy local runs to an MLflow tracking server (idempotent, incremental)",
        description="Copy local runs to an MLflow tracking server. Credentials come from "
        "MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN.",
    )
    push.add_argument("uri", help="the tracking server, e.g. http://mlflow.example:5000")
    push.add_argument("--experiment", action="append", metavar="NAME", help="only this experiment (repeatable)")
    push.add_argument("--since", metavar="TIME", help="only runs started since TIME (ISO date/time, or 90m, 12h, 7d)")
    push.add_argument("--dry-run", action="store_true", help="say what would be sent; contact no server")
    push.add_argument("--workers", type=_workers, help="requests in flight (default 4)")
    pull = actions.add_parser(
        "pull",
        help="bring runs from an MLflow tracking server into the local store",
        description="Bring runs, metric histories, artifacts and models from an MLflow "
        "tracking server into the local store.",
    )
    pull.add_argument("uri", help="the tracking server, e.g. http://mlflow.example:5000")
    pull.add_argument("--experiment", action="append", metavar="NAME", help="only this experiment (repeatable)")
    pull.add_argument("--no-artifacts", action="store_true", help="leave artifact files on the server")


def run(args: argparse.Namespace) -> int:
    from ..store import open_store
    from . import pull, push

    store = open_store()
    if args.action == "push":
        since = parse_since(args.since) if args.since else None
        report = push(
            store,
            args.uri,
            experiments=args.experiment,
            since=since,
            dry_run=args.dry_run,
            **({"workers": args.workers} if args.workers else {}),  # else push's own default
        )
        for line in report.lines():
            print(line)
        for outcome in report.failed:
            print(f"nbops mlflow push: run {outcome.id}: {outcome.error}", file=sys.stderr)
        return 1 if report.failed else 0
    report = pull(store, args.uri, experiments=args.experiment, artifacts=not args.no_artifacts)
    for line in report.lines():
        print(line)
    return 0
