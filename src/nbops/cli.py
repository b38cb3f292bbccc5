"""The ``nbops`` command line.

Each subcommand is a :class:`Command` in ``COMMANDS``: a name, a one-line help, a function
adding its arguments and a function running it (returns the exit status). To add one, write
the two functions and append a ``Command``; heavy imports belong inside the run function so
``nbops --help`` stays fast.

Exit status: 0 success, 1 the work failed (e.g. a notebook that cannot be converted),
2 bad usage or input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidValueError, NbopsError

__all__ = ["Command", "COMMANDS", "build_parser", "main"]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the .ipynb file with tagged cells")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the generated package")
    parser.add_argument("--force", action="store_true", help="replace DIR if it exists")
    parser.add_argument("--no-test", action="store_true", help="skip running the generated package's tests")
    parser.add_argument("--name", help="Python package name (default: from the notebook's file name)")
    parser.add_argument("--kernel", help="kernel for the clean run (default: the notebook's)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")


def _run_export(args: argparse.Namespace) -> int:
    from .productionize import productionize

    def progress(event: dict) -> None:
        print(f"[{event['index'] + 1}/{event['of']}] {event['message']}", file=sys.stderr, flush=True)

    result = productionize(args.notebook, args.output, force=args.force, run_tests=not args.no_test,
                           progress=None if args.json else progress, name=args.name, kernel_name=args.kernel)
    if args.json:
        print(result.to_json())
        return 0 if result.ok else 1
    for diagnostic in result.diagnostics:
        print(f"{args.notebook}: {diagnostic.format()}", file=sys.stderr)
    if not result.ok:
        print(f"not converted: {len(result.errors)} error(s)", file=sys.stderr)
        return 1
    matched = sum(e.status == "match" for e in result.equivalence)
    print(f"wrote {result.package_dir} (package {result.package}, steps: {', '.join(result.dag['order'])})")
    print(f"equivalence: {matched}/{len(result.equivalence)} step outputs reproduce the notebook"
          + (f" ({len(result.equivalence) - matched} nondeterministic, type/shape checked)"
             if matched < len(result.equivalence) else ""))
    if result.tests:
        t = result.tests
        print(f"tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped")
    if result.metrics:
        print("metrics: " + ", ".join(f"{k}={v:.6g}" for k, v in result.metrics.items()))
    return 0


def _configure_drift(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="drift_command", required=True, metavar="SUBCOMMAND")
    check = sub.add_parser("check", help="check a window of files against a stored reference (for cron or Airflow)")
    check.add_argument("--reference", required=True, metavar="NAME", help="a dataset or model name")
    check.add_argument("--current", required=True, metavar="PATH_OR_GLOB", help="CSV or parquet file(s)")
    check.add_argument("--window", required=True, metavar="LABEL", help="the window's label, e.g. 2024-W19")
    check.add_argument("--chunk-rows", type=int, default=200_000, help="rows read at a time (default 200000)")
    check.add_argument("--policy", default="default", help="decision policy (default or evidently)")
    check.add_argument("--fail-on-drift", action="store_true", help="exit 3 when a feature drifted")
    check.add_argument("--json", action="store_true", help="print the summary as JSON")


def _run_drift(args: argparse.Namespace) -> int:
    import json

    from .drift.files import expand, sketch_files
    from .drift.persistence import check_drift, load_reference, resolve
    from .store import open_store

    if args.chunk_rows < 1:
        raise InvalidValueError(f"--chunk-rows {args.chunk_rows} is not valid: use a whole number >= 1")
    store = open_store()
    paths = expand(args.current)
    reference = load_reference(store, resolve(store, args.reference)["dataset_id"])
    window = sketch_files(reference, paths, args.chunk_rows)
    report = check_drift(args.reference, window, window=args.window, store=store, policy=args.policy)
    s = report.summary
    summary = {k: s[k] for k in ("subject", "window", "window_id", "rows_current", "features", "drifted",
                                 "share_drifted", "dataset_drift")} | {"files": len(paths), "alerts": s["alerts"]}
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(f"{s['subject']} window {s['window']}: {s['rows_current']:,} rows from {len(paths)} file(s), "
              f"{len(s['drifted'])} of {s['features']} features drifted"
              + (f" ({', '.join(s['drifted'][:10])})" if s["drifted"] else "")
              + (f"; {len(s['alerts'])} alert(s)" if s["alerts"] else ""))
    return 3 if args.fail_on_drift and s["drifted"] else 0


COMMANDS: list[Command] = [
    Command("export", "turn a notebook's tagged cells into a tested pipeline package", _configure_export, _run_export),
    Command("drift", "drift checks from the command line: nbops drift check", _configure_drift, _run_drift),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nbops", description="MLOps inside JupyterLab.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except NbopsError as exc:
        print(f"nbops {args.command}: {exc.message}", file=sys.stderr)
        return 2 if exc.http_status < 500 and exc.http_status != 422 else 1


if __name__ == "__main__":
    raise SystemExit(main())
