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

from .errors import NbopsError

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


def _configure_mlflow(parser: argparse.ArgumentParser) -> None:
    from .mlflow_sync.command import configure

    configure(parser)


def _run_mlflow(args: argparse.Namespace) -> int:
    from .mlflow_sync.command import run

    return run(args)


COMMANDS: list[Command] = [
    Command("export", "turn a notebook's tagged cells into a tested pipeline package", _configure_export, _run_export),
    Command("mlflow", "push runs to an MLflow tracking server, or pull them from one", _configure_mlflow, _run_mlflow),
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
