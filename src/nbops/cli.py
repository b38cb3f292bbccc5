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
    parser.add_argument("-o", "--output", metavar="DIR", help="directory for the generated package (required "
                        "unless --check)")
    parser.add_argument("--force", action="store_true", help="replace DIR if it holds a package nbops wrote earlier")
    parser.add_argument("--check", action="store_true", help="analysis and diagnostics only: run nothing, write nothing")
    parser.add_argument("--no-test", action="store_true", help="skip running the generated package's tests")
    parser.add_argument("--name", help="Python package name (default: from the notebook's file name)")
    parser.add_argument("--kernel", help="kernel for the clean run (default: the notebook's)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--target", action="append", default=[], choices=["kfp", "airflow"],
                        help="also generate an orchestrator pipeline (repeatable): kfp = Kubeflow Pipelines v2, "
                        "airflow = an Airflow 3 DAG file")


def _run_export(args: argparse.Namespace) -> int:
    if args.check:
        return _run_check(args)
    if not args.output:
        raise InvalidValueError("nbops export needs -o DIR (the package folder), or --check to analyse only")
    from .productionize import productionize

    def progress(event: dict) -> None:
        print(f"[{event['index'] + 1}/{event['of']}] {event['message']}", file=sys.stderr, flush=True)

    result = productionize(args.notebook, args.output, force=args.force, run_tests=not args.no_test,
                           progress=None if args.json else progress, name=args.name, kernel_name=args.kernel,
                           targets=args.target)
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


def _configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the .ipynb file with tagged cells")
    parser.add_argument("--json", action="store_true", help="print the analysis as JSON (what the Pipeline panel shows)")


def _run_check(args: argparse.Namespace) -> int:
    """The Pipeline panel's analysis in the terminal: steps, diagnostics, untagged cells; no kernel."""
    import json

    from pathlib import Path

    from .productionize.diagnostics import has_errors
    from .productionize.notebook_file import read_notebook
    from .productionize.plan import build_plan, package_name

    # analyse_notebook() minus nbformat's import: the Pipeline panel's plan, nothing run
    plan = build_plan(read_notebook(args.notebook), getattr(args, "name", None) or package_name(Path(args.notebook).name))
    view, failed = plan.to_dict(), has_errors(plan.diagnostics)
    if args.json:
        print(json.dumps({"notebook": args.notebook, **view}, indent=2, default=str))
        return 1 if failed else 0
    for diagnostic in plan.diagnostics:
        print(f"{args.notebook}: {diagnostic.format()}")
    steps = " -> ".join(view["dag"]["order"]) or "none"
    params = ", ".join(p["name"] for p in view["params"])
    print(f"steps: {steps}" + (f" (params: {params})" if params else ""))
    for cell in view["untagged"]:
        print(f"untagged cell {cell['index']} defines {', '.join(cell['names'])}, read by cell(s) "
              f"{', '.join(map(str, cell['read_by']))}")
    counts = {s: sum(d.severity == s for d in plan.diagnostics) for s in ("error", "warning", "info")}
    verdict = "not convertible" if failed else "ready to export"
    print(f"check: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info — {verdict} "
          "(nothing was run)")
    if any(d.code in ("NB108", "NB301") for d in plan.diagnostics):
        print(f"hint: nbops suggest {args.notebook} -o TAGGED.ipynb proposes tags for the untagged cells")
    return 1 if failed else 0


def _configure_suggest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the .ipynb file to propose tags for")
    parser.add_argument("-o", "--output", metavar="FILE", help="write a tagged copy here (never the input)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--json", action="store_true", help="print the suggestions as JSON")


def _run_suggest(args: argparse.Namespace) -> int:
    """Propose a role for each untagged cell; with -o, write a tagged copy of the notebook."""
    import json
    from pathlib import Path

    import nbformat

    from .productionize.suggest import apply_suggestions, suggest_tags

    source = Path(args.notebook)
    if not source.is_file():
        raise InvalidValueError(f"notebook {args.notebook!r} does not exist; pass the path of an .ipynb file")
    target = Path(args.output) if args.output else None
    if target is not None:
        if target.resolve() == source.resolve():
            raise InvalidValueError(f"-o {args.output!r} is the input notebook; nbops suggest writes a copy, "
                                    f"e.g. -o {source.stem}_tagged.ipynb")
        if target.is_dir() or (target.exists() and not args.force):
            raise InvalidValueError(f"-o {args.output!r} already exists; choose a new file or pass --force")
    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidValueError(f"{source} is not a readable notebook: {exc}") from None
    suggestions = suggest_tags(nb)
    if args.json:
        print(json.dumps({"notebook": args.notebook, "suggestions": [s.to_dict() for s in suggestions]}, indent=2))
    else:
        for s in suggestions:
            print(f"cell {s.index}: {s.tag}  ({s.reason})")
        print(f"{len(suggestions)} suggestion(s)" + ("" if suggestions else ": every code cell has a role"))
    if target is not None:
        nbformat.write(apply_suggestions(nb, suggestions), target)
        print(f"wrote {target}", file=sys.stderr)
    return 0


COMMANDS: list[Command] = [
    Command("export", "turn a notebook's tagged cells into a tested pipeline package", _configure_export, _run_export),
    Command("check", "analyse a notebook's tagged cells and print the diagnostics, running nothing",
            _configure_check, _run_check),
    Command("suggest", "propose tags for a notebook's untagged cells; -o writes a tagged copy",
            _configure_suggest, _run_suggest),
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
