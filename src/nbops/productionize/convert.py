"""``productionize()``: notebook -> analysed plan -> golden run -> package -> proof.

The one entry point the CLI, the nbconvert exporter and the server's REST job call. Problems
in the notebook come back as coded diagnostics in the result (``ok`` is False); only bad
arguments (missing notebook, an output folder nbops may not write or replace, see
``output_folder``) raise ``InvalidValueError`` before anything runs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValueError
from .diagnostics import Diagnostic, has_errors
from .equivalence import (
    EquivalenceEntry,
    TestOutcome,
    cache_diagnostics,
    check_equivalence,
    follow_changes_through_calls,
    inherited_random_state,
    leave_out_unread_unpicklables,
    run_package_tests,
    static_check,
)
from .golden import golden_run
from .handoffs import order_file_handoffs
from .output_folder import MANIFEST, check_target, check_writable, manifest, protected_stores, replace_folder
from .package import package_files, write_tree
from .plan import Plan, build_plan, package_name
from .requirements import read_requirement_files
from .targets import TARGETS, compile_targets, describe

__all__ = ["Result", "productionize", "analyse_notebook", "STAGES"]

STAGES = ("analyse", "golden_run", "generate", "equivalence", "tests", "write")
Progress = Callable[[dict], None]


@dataclass
class Result:
    """What happened, JSON-serializable with ``to_dict()``."""

    ok: bool
    notebook: str
    package: str
    package_dir: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dag: dict = field(default_factory=dict)
    params: list[dict] = field(default_factory=list)
    equivalence: list[EquivalenceEntry] = field(default_factory=list)
    tests: TestOutcome | None = None
    metrics: dict = field(default_factory=dict)
    requirements: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    targets: list[dict] = field(default_factory=list)  # generated deployment files and how to submit them

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "notebook": self.notebook,
            "package": self.package,
            "package_dir": self.package_dir,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "dag": self.dag,
            "params": self.params,
            "equivalence": {
                "ok": bool(self.equivalence)
                and all(e.status in {"match", "nondeterministic"} for e in self.equivalence),
                "entries": [vars(e) for e in self.equivalence],
            },
            "tests": self.tests.to_dict() if self.tests else None,
            "metrics": self.metrics,
            "requirements": self.requirements,
            "timings": self.timings,
            "targets": self.targets,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


def _read(notebook) -> tuple[object, str, Path]:
    if isinstance(notebook, (str, Path)):
        import nbformat  # only here: its import costs more than analysing 100 cells

        path = Path(notebook)
        if not path.is_file():
            raise InvalidValueError(f"notebook {str(path)!r} does not exist; pass the path of an .ipynb file")
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:
            raise InvalidValueError(f"{path} is not a readable notebook: {exc}") from None
        return nb, path.name, path.resolve().parent
    return notebook, "notebook.ipynb", Path.cwd()


def analyse_notebook(notebook, name: str | None = None, folder: Path | None = None) -> Plan:
    """Static part only (tags, syntax, def/use, DAG): no kernel, no files written. ``folder`` is
    the notebook's (by default the folder of a notebook given by path, else the current one)."""
    nb, filename, nb_dir = _read(notebook)
    return build_plan(nb, name or package_name(filename), folder or nb_dir)


def productionize(
    notebook,
    out_dir,
    *,
    force: bool = False,
    run_tests: bool = True,
    progress: Progress | None = None,
    name: str | None = None,
    kernel_name: str | None = None,
    workdir=None,
    timeout: int = 600,
    notebook_name: str | None = None,
    targets=(),
) -> Result:
    """Turn the tagged cells of ``notebook`` (path or NotebookNode) into a package in ``out_dir``.

    The package is written only when the analysis and the clean run succeed; it is moved into
    place after its equivalence check (and, with ``run_tests``, its own pytest) has run.
    ``targets`` adds orchestrator files (``"kfp"``: ``kfp_pipeline.py`` and its compiled YAML).
    """
    targets = tuple(targets)
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        raise InvalidValueError(f"unknown target {unknown[0]!r}; valid targets: {', '.join(TARGETS)}")
    nb, filename, nb_dir = _read(notebook)
    filename = notebook_name or filename
    out_dir = Path(out_dir).resolve()
    workdir = Path(workdir).resolve() if workdir else nb_dir
    # The notebook's own file, to keep out of reach (a NotebookNode from nbconvert lives in workdir).
    notebook_file = (nb_dir / Path(notebook).name) if isinstance(notebook, (str, Path)) else workdir / filename
    guard = {"notebook": notebook_file, "stores": protected_stores(nb_dir, workdir, Path.cwd())}
    check_target(out_dir, force, **guard)
    check_writable(out_dir)
    notify = progress or (lambda event: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(key: str, message: str):
        nonlocal clock
        now = time.perf_counter()
        notify({"stage": key, "index": STAGES.index(key), "of": len(STAGES), "message": message})
        clock = now

    def timed(key: str):
        timings[key] = round(time.perf_counter() - clock, 3)

    stage("analyse", f"analysing {filename}")
    plan = build_plan(nb, name or package_name(filename), workdir)
    plan.diagnostics += read_requirement_files(plan, workdir)
    timed("analyse")
    result = Result(
        False,
        filename,
        plan.package,
        None,
        list(plan.diagnostics),
        plan.dag(),
        [p.to_dict() for p in plan.params],
        timings=timings,
    )
    if has_errors(plan.diagnostics):
        return result
    kernel = kernel_name or nb.get("metadata", {}).get("kernelspec", {}).get("name") or "python3"
    with tempfile.TemporaryDirectory(prefix="nbops-productionize-") as tmp:
        stage("golden_run", f"running the tagged cells in a fresh {kernel} kernel (twice)")
        recording = golden_run(plan, Path(tmp) / "golden", kernel_name=kernel, workdir=workdir, timeout=timeout)
        timed("golden_run")
        result.diagnostics += recording.diagnostics + follow_changes_through_calls(plan, recording)
        result.diagnostics += leave_out_unread_unpicklables(plan, recording)
        result.diagnostics += cache_diagnostics(plan, recording, orchestrated=bool(targets))
        result.diagnostics += order_file_handoffs(plan, recording, orchestrated=bool(targets))
        if has_errors(result.diagnostics):
            return result
        plan.metric_names = [m for m in plan.metric_names if m in recording.metrics]
        result.metrics, result.dag = recording.metrics, plan.dag()
        stage("generate", f"generating package {plan.package}")
        plan.workdir = Path(os.path.relpath(workdir, out_dir)).as_posix()  # the staging folder is a sibling
        files = package_files(plan, recording, filename, targets)
        result.diagnostics += static_check(files)
        if has_errors(result.diagnostics):
            return result
        files[MANIFEST] = manifest(files, plan.package, filename)
        staging = write_tree(files, out_dir)
        result.diagnostics += compile_targets(staging, plan.package, targets, files)
        if has_errors(result.diagnostics):
            shutil.rmtree(staging, ignore_errors=True)
            return result
        timed("generate")
        result.requirements = _requirements(files["pyproject.toml"])
        try:
            _prove(plan, recording, staging, run_tests, result, stage, timed, timeout, bool(targets))
            stage("write", f"writing {out_dir}")
            replace_folder(staging, out_dir, force, **guard)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    result.package_dir = str(out_dir)
    result.targets = describe(plan.package, targets)
    result.ok = not has_errors(result.diagnostics)
    return result


def _prove(plan, recording, staging, run_tests, result, stage, timed, timeout, orchestrated):
    python = recording.python if recording.python and Path(recording.python).exists() else None
    stage("equivalence", "running the package with default parameters and comparing every step output")
    entries, failure, inherited = check_equivalence(staging, plan.package, python=python, timeout=timeout)
    timed("equivalence")
    result.equivalence = entries
    result.diagnostics += [inherited_random_state(plan, found, orchestrated) for found in inherited]
    if failure:
        result.diagnostics.append(
            Diagnostic(
                "NB405",
                "the generated package raised: " + failure.strip().splitlines()[-1],
                suggestion="see the traceback: " + failure.strip()[-600:],
            )
        )
    for entry in entries:
        if entry.status in {"mismatch", "missing"}:
            step = plan.steps.get(entry.step)
            cell = step.cells[-1].cell if step else None
            result.diagnostics.append(
                Diagnostic(
                    "NB404",
                    f"step {entry.step!r} output {entry.variable!r} differs from the notebook: {entry.detail}",
                    cell.index if cell else None,
                    cell.id if cell else None,
                    None,
                    "check the step for hidden state (globals, files, randomness) the package cannot see",
                )
            )
    if run_tests:
        stage("tests", "running the generated tests")
        result.tests = run_package_tests(staging, python=python, timeout=timeout)
        timed("tests")
        if not result.tests.ok:
            result.diagnostics.append(
                Diagnostic(
                    "NB406",
                    f"{result.tests.failed} failed, {result.tests.errors} errors in the generated tests: "
                    + ", ".join(result.tests.failures[:5]),
                    suggestion="run pytest in the package directory to see why",
                )
            )


def _requirements(pyproject: str) -> list[str]:
    block = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    return [line.strip().strip(",").strip('"') for line in block.splitlines() if line.strip()]
