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
    parser.add_argument(
        "-o", "--output", metavar="DIR", help="directory for the generated package (required unless --check)"
    )
    parser.add_argument("--force", action="store_true", help="replace DIR if it holds a package nbops wrote earlier")
    parser.add_argument(
        "--check", action="store_true", help="analysis and diagnostics only: run nothing, write nothing"
    )
    parser.add_argument("--no-test", action="store_true", help="skip running the generated package's tests")
    parser.add_argument("--name", help="Python package name (default: from the notebook's file name)")
    parser.add_argument("--kernel", help="kernel for the clean run (default: the notebook's)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        choices=["kfp", "airflow"],
        help="also generate an orchestrator pipeline (repeatable): kfp = Kubeflow Pipelines v2, "
        "airflow = an Airflow 3 DAG file",
    )


def _run_export(args: argparse.Namespace) -> int:
    if args.check:
        return _run_check(args)
    if not args.output:
        raise InvalidValueError("nbops export needs -o DIR (the package folder), or --check to analyse only")
    from .productionize import productionize

    def progress(event: dict) -> None:
        print(f"[{event['index'] + 1}/{event['of']}] {event['message']}", file=sys.stderr, flush=True)

    result = productionize(
        args.notebook,
        args.output,
        force=args.force,
        run_tests=not args.no_test,
        progress=None if args.json else progress,
        name=args.name,
        kernel_name=args.kernel,
        targets=args.target,
    )
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
    print(
        f"equivalence: {matched}/{len(result.equivalence)} step outputs reproduce the notebook"
        + (
            f" ({len(result.equivalence) - matched} nondeterministic, type/shape checked)"
            if matched < len(result.equivalence)
            else ""
        )
    )
    if result.tests:
        t = result.tests
        print(f"tests: {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped")
    if result.metrics:
        print("metrics: " + ", ".join(f"{k}={v:.6g}" for k, v in result.metrics.items()))
    return 0


def _configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the .ipynb file with tagged cells")
    parser.add_argument(
        "--json", action="store_true", help="print the analysis as JSON (what the Pipeline panel shows)"
    )


def _run_check(args: argparse.Namespace) -> int:
    """The Pipeline panel's analysis in the terminal: steps, diagnostics, untagged cells; no kernel."""
    import json
    from pathlib import Path

    from .productionize.diagnostics import has_errors
    from .productionize.notebook_file import read_notebook
    from .productionize.plan import build_plan, package_name

    # analyse_notebook() minus nbformat's import: the Pipeline panel's plan, nothing run
    notebook = Path(args.notebook)
    plan = build_plan(
        read_notebook(args.notebook), getattr(args, "name", None) or package_name(notebook.name), notebook.parent
    )
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
        print(
            f"untagged cell {cell['index']} defines {', '.join(cell['names'])}, read by cell(s) "
            f"{', '.join(map(str, cell['read_by']))}"
        )
    counts = {s: sum(d.severity == s for d in plan.diagnostics) for s in ("error", "warning", "info")}
    verdict = "not convertible" if failed else "ready to export"
    print(
        f"check: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info — {verdict} "
        "(nothing was run)"
    )
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
            raise InvalidValueError(
                f"-o {args.output!r} is the input notebook; nbops suggest writes a copy, "
                f"e.g. -o {source.stem}_tagged.ipynb"
            )
        if target.is_dir() or (target.exists() and not args.force):
            raise InvalidValueError(f"-o {args.output!r} already exists; choose a new file or pass --force")
    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidValueError(f"{source} is not a readable notebook: {exc}") from None
    suggestions = suggest_tags(nb, source.parent)
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


def _configure_models(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    evaluate = actions.add_parser(
        "evaluate",
        help="evaluate versions on labelled data; the gate decides a promotion",
        description="Evaluate model versions (champion first) on the same labelled data, "
        "log an evaluation run and apply the promotion gate. Exit status 1 when the gate fails.",
    )
    evaluate.add_argument("name", help="registered model name")
    evaluate.add_argument(
        "--versions",
        default="production,candidate",
        help="champion then challenger(s): aliases or numbers (default: production,candidate)",
    )
    evaluate.add_argument("--data", required=True, metavar="PATH", help="labelled .csv or .parquet file")
    evaluate.add_argument("--target", required=True, metavar="COL", help="the label column")
    evaluate.add_argument("--metric", help="accuracy, f1, roc_auc (classifiers); rmse, mae, r2 (regressors)")
    evaluate.add_argument("--slice", dest="slice_column", metavar="COL", help="also score each value of this column")
    evaluate.add_argument(
        "--min-improvement",
        type=float,
        default=0.0,
        metavar="X",
        help="the challenger must beat the champion by at least X (metric units)",
    )
    evaluate.add_argument("--max-slice-drop", type=float, metavar="Y", help="no slice may get worse by more than Y")
    evaluate.add_argument("--alias", default="production", help="the alias --promote moves (default: production)")
    evaluate.add_argument("--promote", action="store_true", help="move the alias to the challenger if the gate passes")
    evaluate.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    events = actions.add_parser("events", help="the audit trail of a model", description="List a model's audit events.")
    events.add_argument("name", help="registered model name")
    events.add_argument("--json", action="store_true", help="print the events as JSON")
    card = actions.add_parser("card", help="a version's model card (Markdown)", description="Write a model card.")
    card.add_argument("name", metavar="NAME[:VERSION]", help="model, optionally :version or :alias (default: latest)")
    card.add_argument("-o", "--output", metavar="FILE", help="write the card here instead of printing it")
    card.add_argument("--intended-use", metavar="TEXT", help="first set the version's intended use to TEXT")
    export = actions.add_parser(
        "export",
        help="write a version for a serving engine (MLflow, MLServer, KServe)",
        description="Export a model version to the formats serving engines read.",
    )
    export.add_argument(
        "name", metavar="NAME[@ALIAS|:VERSION]", help="model, optionally @alias or :version (default: latest)"
    )
    export.add_argument(
        "--format",
        default="mlflow",
        choices=["mlflow", "mlserver", "kserve"],
        help="mlflow: an MLflow model directory; mlserver: model-settings.json + model/; "
        "kserve: an InferenceService manifest + model/ (default: mlflow)",
    )
    export.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write")
    export.add_argument("--force", action="store_true", help="replace DIR if it holds an export nbops wrote earlier")
    export.add_argument(
        "--storage-uri", metavar="URI", help="kserve: where model/ is uploaded (e.g. s3://bucket/churn/v3)"
    )
    export.add_argument("--json", action="store_true", help="print the result as JSON")


def _run_models(args: argparse.Namespace) -> int:
    import json

    from .tracking import store

    target = store()
    if args.action == "events":
        events = target.models.events.of_model(args.name)
        target.models.versions(args.name)  # a clear error for an unknown model
        if args.json:
            print(json.dumps(events, indent=1))
        for e in [] if args.json else events:
            where = f" v{e['previous_version']} ->" if e["previous_version"] is not None else ""
            print(
                f"{e['id']:>4}  {e['kind']:<13} {e['alias'] or '':<11}{where} v{e['version'] or '-'}  "
                f"by {e['actor'] or '?'}  {e['reason'] or ''}".rstrip()
            )
        return 0
    if args.action == "export":
        return _run_models_export(args, target)
    if args.action == "card":
        from .governance.card import model_card

        name, _, version = args.name.partition(":")
        label = int(version) if version.isdigit() else (version or None)
        if args.intended_use is not None:
            target.models.set_intended_use(name, target.models.version(name, label)["version"], args.intended_use)
        text = model_card(target, name, label)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
            print(f"wrote {args.output}")
        else:
            print(text, end="")
        return 0
    from .governance import evaluate_models, promote_evaluation

    result = evaluate_models(
        args.name,
        args.versions,
        args.data,
        args.target,
        metric=args.metric,
        slice_column=args.slice_column,
        min_improvement=args.min_improvement,
        max_slice_drop=args.max_slice_drop,
        alias=args.alias,
        store=target,
    )
    if args.promote and result.decision.passed:
        promote_evaluation(target, args.name, result.run_id, alias=args.alias)
        result.promoted = True
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    else:
        for item in result.versions:
            scores = ", ".join(f"{k}={v:.4g}" for k, v in item["metrics"].items())
            print(f"{item['label']} (v{item['version']}): {scores}")
        print(f"evaluation run {result.run_id}")
        print(result.decision.reason)
        if result.promoted:
            print(f"promoted: {args.alias} -> v{result.versions[1]['version']}")
        elif args.promote:
            print(
                f"not promoted: {args.alias} stays on v{result.versions[0]['version']}: {result.decision.reason}",
                file=sys.stderr,
            )
    return 0 if result.decision.passed else 1


def _run_models_export(args: argparse.Namespace, target) -> int:
    import json

    from .model_export import export_model

    result = export_model(
        args.name, args.output, format=args.format, force=args.force, storage_uri=args.storage_uri, store=target
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
        return 0
    print(f"wrote {result.path} ({result.format}: {result.name} v{result.version}, {len(result.files)} files)")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _configure_mlflow(parser: argparse.ArgumentParser) -> None:
    from .mlflow_sync.command import configure

    configure(parser)


def _run_mlflow(args: argparse.Namespace) -> int:
    from .mlflow_sync.command import run

    return run(args)


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
    report = check_drift(
        args.reference, window, window=args.window, store=store, policy=args.policy, retrain_data=paths
    )
    s = report.summary
    summary = {
        k: s[k]
        for k in (
            "subject",
            "window",
            "window_id",
            "rows_current",
            "features",
            "drifted",
            "share_drifted",
            "dataset_drift",
        )
    } | {"files": len(paths), "alerts": s["alerts"], "retrains": s["retrains"]}
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(
            f"{s['subject']} window {s['window']}: {s['rows_current']:,} rows from {len(paths)} file(s), "
            f"{len(s['drifted'])} of {s['features']} features drifted"
            + (f" ({', '.join(s['drifted'][:10])})" if s["drifted"] else "")
            + (f"; {len(s['alerts'])} alert(s)" if s["alerts"] else "")
            + "".join(
                f"; retrain {r['id']} {r['status']}"
                + (f" -> {r['model']} v{r['model_version']}" if r["model_version"] else "")
                + (" (a Jupyter server runs it, or nbops retrain pending)" if r["status"] == "queued" else "")
                for r in s["retrains"]
            )
        )
    return 3 if args.fail_on_drift and s["drifted"] else 0


def _configure_reproduce(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to re-create")
    parser.add_argument("-o", "--output", metavar="DIR", help="a new folder (default: reproduce-<run id>)")
    parser.add_argument(
        "--via",
        choices=("papermill", "package"),
        help="run the notebook with papermill, or the pipeline package's CLI "
        "(default: package for a run of a generated package, else papermill)",
    )
    parser.add_argument("--force", action="store_true", help="replace an earlier reproduction in DIR")
    parser.add_argument("--rel-tol", type=float, default=1e-6, help="relative tolerance per metric (default 1e-6)")
    parser.add_argument("--abs-tol", type=float, default=1e-9, help="absolute tolerance per metric (default 1e-9)")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")


def _run_reproduce(args: argparse.Namespace) -> int:
    import json

    from .governance.reproduce import reproduce

    result = reproduce(args.run_id, args.output, args.via, force=args.force, rel_tol=args.rel_tol, abs_tol=args.abs_tol)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
        return 0 if result.matches else 1
    print(f"reproduced run {result.run_id} in {result.folder} ({result.via}) as run {result.new_run_id or '(none)'}")
    if result.new_run_id is None:
        print("the reproduction logged no run of the same experiment and name", file=sys.stderr)
    if result.matches:
        print(f"{len(result.metrics)} metric(s) equal within rel_tol={result.rel_tol:g}, abs_tol={result.abs_tol:g}")
        return 0
    width = max(len("metric"), *map(len, result.differences))
    print(f"{'metric':<{width}}  {'original':>14}  {'reproduced':>14}  {'difference':>12}")
    for key, (before, after) in result.differences.items():
        delta = f"{after - before:+.6g}" if before is not None and after is not None else "missing"
        shown = ["-" if v is None else f"{v:.8g}" for v in (before, after)]
        print(f"{key:<{width}}  {shown[0]:>14}  {shown[1]:>14}  {delta:>12}")
    return 1


def _configure_retrain(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="retrain_command", required=True, metavar="SUBCOMMAND")
    pending = sub.add_parser(
        "pending", help="run the queued local retrains of drift alerts here, one after the other (for cron)"
    )
    pending.add_argument("--json", action="store_true", help="print each retrain's outcome as JSON")


def _run_retrain(args: argparse.Namespace) -> int:
    import json

    from .governance.retrain_jobs import run_pending
    from .store import open_store

    done = run_pending(open_store())
    if args.json:
        print(json.dumps(done, default=str))
    for r in [] if args.json else done:
        made = f" -> {r['model']} v{r['model_version']}" if r["model_version"] else ""
        print(f"retrain {r['id']} (alert {r['event_id']}, rule {r['rule']!r}) {r['status']}{made}")
        if r["status"] == "failed":
            print(f"  {r['reason']}", file=sys.stderr)
    if not done and not args.json:
        print("no queued retrain")
    return 1 if any(r["status"] == "failed" for r in done) else 0


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    from .serving.command import configure

    configure(parser)


def _run_serve(args: argparse.Namespace) -> int:
    from .serving.command import run

    return run(args)


COMMANDS: list[Command] = [
    Command("export", "turn a notebook's tagged cells into a tested pipeline package", _configure_export, _run_export),
    Command(
        "check",
        "analyse a notebook's tagged cells and print the diagnostics, running nothing",
        _configure_check,
        _run_check,
    ),
    Command(
        "suggest",
        "propose tags for a notebook's untagged cells; -o writes a tagged copy",
        _configure_suggest,
        _run_suggest,
    ),
    Command(
        "models",
        "govern registered models: evaluate and promote, audit events, model cards",
        _configure_models,
        _run_models,
    ),
    Command("mlflow", "push runs to an MLflow tracking server, or pull them from one", _configure_mlflow, _run_mlflow),
    Command("drift", "drift checks from the command line: nbops drift check", _configure_drift, _run_drift),
    Command(
        "reproduce",
        "re-create a run (code, data snapshots, params), run it again and compare its metrics",
        _configure_reproduce,
        _run_reproduce,
    ),
    Command(
        "serve", "serve a registered model over HTTP (MLflow's protocol), monitored live", _configure_serve, _run_serve
    ),
    Command("retrain", "drift retrains: nbops retrain pending runs the queued ones", _configure_retrain, _run_retrain),
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
