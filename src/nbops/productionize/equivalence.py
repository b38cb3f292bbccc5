"""Prove the package reproduces the notebook: run it in a subprocess with default
parameters and compare every step output with the golden recording; then run its tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .fingerprint import difference

__all__ = [
    "EquivalenceEntry",
    "InheritedRandomState",
    "check_equivalence",
    "run_package_tests",
    "TestOutcome",
    "nondeterminism",
    "kind_diagnostic",
    "rerun_diagnostic",
    "cache_diagnostics",
    "leave_out_unread_unpicklables",
    "follow_changes_through_calls",
    "inherited_random_state",
    "static_check",
]

_CHECK = r'''
import importlib, json, pickle, random, sys, traceback
from pathlib import Path
package_dir, package, report = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
sys.path.insert(0, str(package_dir / "src"))
golden = package_dir / "tests" / "golden"
expected = json.loads((golden / "fingerprints.json").read_text())
entries, inherited = [], []
outputs, states = {}, {}  # each step's outputs; its random states before and after it


def check(step, values):
    """At the step boundary, before a later step can change a value in place (the notebook
    recorded each step's outputs at the same moment), so a mismatch names the step at fault."""
    for name, recorded in expected["steps"].get(step, {}).get("outputs", {}).items():
        if name not in values:
            entries.append({"step": step, "variable": name, "status": "missing",
                            "detail": f"step {step} did not return {name}"})
            continue
        try:
            fingerprint.assert_reproduces(recorded, values[name], golden)
        except AssertionError as exc:
            entries.append({"step": step, "variable": name, "status": "mismatch", "detail": str(exc)})
            continue
        status = "nondeterministic" if recorded.get("nondeterministic") else "match"
        entries.append({"step": step, "variable": name, "status": status, "detail": None})
    outputs[step] = values
    states[step] = (states[step], random_states())
    if step == order[-1]:  # still inside the run's working folder
        run_alone_where_random_state_was_inherited()


def before(step):
    """Setup and library were imported just before the first step, as a new process would."""
    global sources, fresh
    if not states:
        sources = generators()
        fresh = random_states()
    states[step] = random_states()


def generators():
    """(get, set) of each random state a new process starts afresh: the random module's,
    numpy's and torch's global ones, and generators the package's setup and library hold."""
    found = [(random.getstate, random.setstate)]
    numpy, torch = sys.modules.get("numpy"), sys.modules.get("torch")
    if numpy is not None:
        found.append((numpy.random.get_state, numpy.random.set_state))
    if torch is not None:
        found.append((torch.get_rng_state, torch.set_rng_state))
    for held in (sys.modules.get(f"{package}.{m}") for m in ("common", "lib")):
        for value in list(vars(held).values()) if held else ():
            if isinstance(value, random.Random):
                found.append((value.getstate, value.setstate))
            elif numpy is not None and isinstance(value, numpy.random.RandomState):
                found.append((value.get_state, value.set_state))
            elif numpy is not None and isinstance(value, numpy.random.Generator):
                bits = value.bit_generator
                found.append((lambda bits=bits: bits.state, lambda state, bits=bits: setattr(bits, "state", state)))
    return found


def random_states():
    return [get() for get, _ in sources]


def set_random_states(values):
    for (_, put), value in zip(sources, values):
        put(value)


def same(a, b):
    return pickle.dumps(a) == pickle.dumps(b)


def run_alone_where_random_state_was_inherited():
    """A step run on its own (run-step, --from, an orchestrator's task) starts from the random
    state setup leaves, not from where earlier steps left it. Where a step drew from a state
    an earlier step had advanced, run it again from setup's state on the same inputs: outputs
    that then differ from the notebook's depend on what ran before it in the same process."""
    params, final = module.Params(), random_states()
    for step, (started, ended) in states.items():
        if same(started, fresh) or same(started, ended):
            continue
        spec = pipeline.STEPS[step]
        kwargs = {name: outputs[producer][name] for name, producer in spec.inputs.items()}
        kwargs.update({p: getattr(params, p) for p in spec.params})
        set_random_states(fresh)
        try:
            steps = importlib.import_module(package + ".steps")
            alone = dict(zip(spec.outputs, getattr(steps, spec.function)(**kwargs)))
        except Exception as exc:
            inherited.append({"step": step, "variables": [], "detail": f"{type(exc).__name__}: {exc}"})
            continue
        differ = []
        for name, recorded in expected["steps"].get(step, {}).get("outputs", {}).items():
            try:
                fingerprint.assert_reproduces(recorded, alone.get(name), golden)
            except AssertionError:
                differ.append(name)
        if differ:
            inherited.append({"step": step, "variables": differ, "detail": None})
    set_random_states(final)


try:
    module = importlib.import_module(package)
    pipeline = importlib.import_module(package + ".pipeline")
    fingerprint = importlib.import_module(package + "._fingerprint")
    order = pipeline.select()
    result = module.run(module.Params(), on_step=check, before_step=before)  # tracked, as the clean runs
except Exception:
    report.write_text(json.dumps({"error": traceback.format_exc()}))
    raise SystemExit(0)
report.write_text(json.dumps({"entries": entries, "inherited": inherited, "metrics": result.metrics}, default=str))
'''


@dataclass
class EquivalenceEntry:
    step: str
    variable: str
    status: str  # match | nondeterministic | mismatch | missing
    detail: str | None = None


@dataclass
class TestOutcome:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.errors == 0 and self.passed > 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _env(package_dir: Path, scratch: str, plugins: bool = True) -> dict[str, str]:
    """Tracking into a scratch store, as the notebook's clean runs did: the proof never writes
    to the user's store, and what the steps get from nbops (a run id, a model version) is there.
    The generated tests need no pytest plugin, and loading every installed one costs seconds."""
    env = dict(os.environ)
    if not plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["NBOPS_HOME"] = str(Path(scratch) / "store")
    env["PYTHONPATH"] = os.pathsep.join([str(package_dir / "src")] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NBOPS_TRACKING"] = "1"
    return env


@dataclass
class InheritedRandomState:
    """A step whose outputs, run on its own, differ: it drew from a random state earlier steps advanced."""

    step: str
    variables: list[str]
    detail: str | None = None  # what it raised, run on its own


def check_equivalence(
    package_dir: Path, package: str, *, python: str | None = None, timeout: int = 600
) -> tuple[list[EquivalenceEntry], str | None, list[InheritedRandomState]]:
    """Entries per step output, the package's traceback if it failed to run, and the steps that
    reproduce the notebook only after the steps before them in the same process."""
    with tempfile.TemporaryDirectory(prefix="nbops-equivalence-") as tmp:
        report = Path(tmp) / "report.json"
        done = subprocess.run(
            [python or sys.executable, "-c", _CHECK, str(package_dir), package, str(report)],
            cwd=package_dir,
            env=_env(package_dir, tmp),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if not report.exists():
            return [], (done.stderr or done.stdout)[-4000:] or f"exit status {done.returncode}", []
        data = json.loads(report.read_text())
    if "error" in data:
        return [], data["error"][-4000:], []
    inherited = [InheritedRandomState(**i) for i in data["inherited"]]
    return [EquivalenceEntry(**e) for e in data["entries"]], None, inherited


def run_package_tests(package_dir: Path, *, python: str | None = None, timeout: int = 900) -> TestOutcome:
    """Run the package's own pytest suite in a subprocess and count the outcomes."""
    with tempfile.TemporaryDirectory(prefix="nbops-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        done = subprocess.run(
            [
                python or sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(package_dir),
                "-c",
                str(package_dir / "pyproject.toml"),
                f"--junitxml={junit}",
                str(package_dir / "tests"),
            ],
            cwd=package_dir,
            env=_env(package_dir, tmp, plugins=False),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        outcome = TestOutcome(output=(done.stdout + done.stderr)[-4000:])
        if not junit.exists():
            outcome.errors = 1
            return outcome
        root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        total = int(suite.get("tests", 0))
        outcome.failed += int(suite.get("failures", 0))
        outcome.errors += int(suite.get("errors", 0))
        outcome.skipped += int(suite.get("skipped", 0))
        outcome.passed += (
            total - int(suite.get("failures", 0)) - int(suite.get("errors", 0)) - int(suite.get("skipped", 0))
        )
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                outcome.failures.append(f"{case.get('classname')}::{case.get('name')}")
    return outcome


def rerun_diagnostic(plan, step: str, name: str, first: dict, second: dict) -> Diagnostic | None:
    """Compare one output of two clean runs; mark ``first`` and say why they differ, if they do."""
    plan_step = plan.steps.get(step)
    kind = nondeterminism(first, second, clock=bool(plan_step and name in plan_step.clock_names))
    if kind is None:
        return None
    cell = plan_step.cells[-1].cell if plan_step else None
    if kind == "random" and plan_step and name in plan_step.tracking_names:
        return Diagnostic(
            "NB403",
            f"{step}.{name} comes from nbops (a run id, a model version): each run has its own, so tests "
            "check its type and shape only",
            cell.index if cell else None,
            cell.id if cell else None,
        )
    return kind_diagnostic(kind, first, step, name, cell)


def nondeterminism(first: dict, second: dict, clock: bool = False) -> str | None:
    """Mark ``first`` (one output's fingerprint in the first clean run) by how the second run's
    differs: None, "timing" or "random"; float differences within tolerance are no difference."""
    if (
        first.get("kind") == "model"
        and first.get("predictions") is not None
        and first.get("predictions") == second.get("predictions")
    ):
        return None
    kind = difference(first, second, clock)
    if kind == "timing":
        first["timing"] = True
    elif kind == "random":
        first["nondeterministic"] = True
    return kind


def kind_diagnostic(kind: str, fp: dict, step: str, name: str, cell) -> Diagnostic:
    where = (cell.index if cell else None, cell.id if cell else None, None)
    if kind == "timing":
        return Diagnostic(
            "NB409",
            f"{step}.{name} differs between two clean runs only in timing or progress text; "
            "tests compare it with its numbers masked",
            *where,
            "leave timings and progress bars out of the values a step returns",
        )
    return Diagnostic(
        "NB403",
        f"{step}.{name} differs between two clean runs; tests check its type and shape only",
        *where,
        "seed the random generator (e.g. random_state=seed) to make it reproducible",
    )


def _defined_in_step(step, variable: str) -> bool:
    """A function or class a step cell defines: the kernel pickles it by name from ``__main__``;
    in the package it is local to the step's function, and pickle refuses it."""
    return any(variable in code.facts.functions for code in step.cells)


def _picklable(step, variable: str, fp: dict) -> bool:
    """Whether the package can pickle the output: the kernel said so, and it is not defined in a step."""
    return fp.get("picklable") is not False and not _defined_in_step(step, variable)


def _binding_cell(step, variable: str):
    """The last cell of ``step`` that binds ``variable`` (its last cell if none does)."""
    binding = [code.cell for code in step.cells if variable in code.facts.defs]
    return (binding or [step.cells[-1].cell])[-1]


def _unpicklable_fix(plan, producer: str, variable: str) -> str:
    """Build the value where it is used: the steps reading it are named, so the cell can move there."""
    readers = [name for name in plan.order if plan.steps[name].inputs.get(variable) == producer]
    if _defined_in_step(plan.steps[producer], variable):
        return f"tag the cell that defines {variable} library, so every step imports it from lib.py"
    if readers:
        return (
            f"build {variable} in the step that uses it: tag the cell that makes it step:{readers[0]}"
            f"{' (read by ' + ', '.join(readers) + ')' if len(readers) > 1 else ''}, and return from "
            f"{producer!r} what it is made from"
        )
    return (
        f"return plain data instead (e.g. {variable} = list({variable}) for a generator; "
        "a path instead of an open file), or use it only inside this step"
    )


def inherited_random_state(plan, found, orchestrated: bool) -> Diagnostic:
    """A step that reproduces the notebook only after the steps before it in one process: a
    warning for the package (``run`` passes the random state on), an error for orchestrators,
    whose tasks each start from the state setup leaves."""
    step = plan.steps.get(found.step)
    cell = step.cells[0].cell if step else None
    differs = (
        f"raises {found.detail}"
        if found.detail
        else ", ".join(repr(v) for v in found.variables) + " differ from the notebook"
    )
    message = (
        f"step {found.step!r} draws from a random state earlier steps advanced: run on its own "
        f"(run-step, --from, KFP, Airflow) it starts from setup's state and {differs}"
    )
    return Diagnostic(
        "NB404" if orchestrated else "NB414",
        message,
        cell.index if cell else None,
        cell.id if cell else None,
        None,
        f"seed at the start of step {found.step!r} (np.random.seed(...), random.seed(...)), pass a "
        "random_state to what draws, or make the generator in a step and hand it on "
        "(rng = np.random.default_rng(42) in a step cell)",
    )


def follow_changes_through_calls(plan, recording) -> list[Diagnostic]:
    """A step that changed an input in place where the analysis cannot see it (a library
    function's ``frame.fillna(0, inplace=True)`` on the frame it is passed): in the notebook,
    later cells read the changed value; a step run on its own (run-step, an orchestrator's task)
    would read the producer's unchanged one. Where a later step or test reads it, such a step
    now copies that input, returns the changed copy, and those read it from there."""
    from .dag import order_steps

    found = []
    for step_name in plan.order:
        step, entry = plan.steps[step_name], recording.steps.get(step_name, {})
        before, after = entry.get("inputs", {}), entry.pop("changed", {})
        for variable, fp in after.items():
            if variable in step.mutated_inputs or variable not in before or difference(before[variable], fp) is None:
                continue
            producer = step.inputs[variable]
            later = plan.order[plan.order.index(step_name) + 1 :]
            readers = [plan.steps[n] for n in later] + list(plan.tests)
            readers = [r for r in readers if r.inputs.get(variable) == producer]
            if not readers:  # nothing reads the changed value: one process or many, the same
                continue
            step.mutated_inputs.append(variable)
            step.outputs.append(variable)
            entry.setdefault("outputs", {})[variable] = fp
            for reader in readers:
                reader.inputs[variable] = step_name
            cell = step.cells[0].cell
            who = ", ".join(dict.fromkeys(getattr(r, "name", "the tests") for r in readers))
            found.append(
                Diagnostic(
                    "NB415",
                    f"step {step_name!r} changes {variable!r} (from step {producer!r}) in place through a call: it "
                    f"copies it and hands the changed one on to {who}",
                    cell.index,
                    cell.id,
                    None,
                )
            )
    if found:
        plan.order, plan.edges, _ = order_steps(plan.steps)
    recording.save()  # without the "changed" fingerprints, which the package does not check
    return found


def leave_out_unread_unpicklables(plan, recording) -> list[Diagnostic]:
    """Drop from each step's result the unpicklable values no step, test or metric reads (a last
    step returns all it binds, an ``xgboost.DMatrix`` among them): nothing needs them to cross."""
    read = {
        (producer, name) for reader in [*plan.steps.values(), *plan.tests] for name, producer in reader.inputs.items()
    }
    found, left_out = [], False
    for step_name in plan.order:
        step, outputs = plan.steps[step_name], recording.steps.get(step_name, {}).get("outputs", {})
        for variable, fp in list(outputs.items()):
            if _picklable(step, variable, fp) or (step_name, variable) in read or variable in plan.metric_names:
                continue
            del outputs[variable]
            step.outputs, left_out = [n for n in step.outputs if n != variable], True
            if variable in plan.rebuilt:  # NB217 said where it is built again
                continue
            cell = _binding_cell(step, variable)
            found.append(
                Diagnostic(
                    "NB412",
                    f"step {step_name!r} does not return {variable!r} ({fp.get('type')}): it cannot be pickled "
                    "and no later step, test or metric reads it",
                    cell.index,
                    cell.id,
                    None,
                )
            )
    if left_out:
        recording.save()  # the package's tests and the equivalence check read the saved copy
    return found


def cache_diagnostics(plan, recording, orchestrated: bool = False) -> list[Diagnostic]:
    """Step outputs must survive ``--cache`` and the orchestrators (``serialization``): refuse the
    unpicklable ones at export, note the ones only pickle can carry. A function or class a step
    defines for a later step passes in one process: a warning, an error for an orchestrator."""
    found = []
    for name in plan.order:
        step = plan.steps[name]
        for variable, fp in recording.steps.get(name, {}).get("outputs", {}).items():
            if not _picklable(step, variable, fp):
                cell = _binding_cell(step, variable)
                if not orchestrated and fp.get("picklable") is not False:  # defined in the step: one process
                    code, what = "NB413", "hands {} ({}) to later steps in one process only: defined inside the "
                    what += "step's function, it cannot be pickled"
                else:
                    code, what = "NB408", "returns {} ({}), which cannot be pickled"
                found.append(
                    Diagnostic(
                        code,
                        f"step {name!r} {what.format(repr(variable), fp.get('type'))}, "
                        "so --cache and run-step cannot pass it on",
                        cell.index,
                        cell.id,
                        None,
                        _unpicklable_fix(plan, name, variable),
                    )
                )
            elif fp.get("format") == "pickle":
                cell = step.cells[-1].cell
                found.append(
                    Diagnostic(
                        "NB410",
                        f"step {name!r} output {variable!r} ({fp.get('type')}) has no portable format, so "
                        "--cache and the orchestrator targets pass it on as a pickle, readable only with the same "
                        "library versions",
                        cell.index,
                        cell.id,
                        None,
                        "return a DataFrame, an array, an estimator or JSON-like data if the value crosses machines",
                    )
                )
    return found


_MARKER = re.compile(r"# --- notebook cell (\d+) · id (\S+) ·")


def static_check(files: dict) -> list[Diagnostic]:
    """Before anything runs: every generated module must define or import each name it reads."""
    from .analysis import BUILTINS
    from .library import unresolved_names

    found = []
    for path, text in files.items():
        if not (path.startswith("src/") and path.endswith(".py")) or "/files/" in path or not isinstance(text, str):
            continue
        lines = text.splitlines()
        for name, line in unresolved_names(text, BUILTINS - {"get_ipython"}):
            cell = next((m for m in (_MARKER.search(t) for t in reversed(lines[:line])) if m), None)
            found.append(
                Diagnostic(
                    "NB407",
                    f"{path.rsplit('/', 1)[-1]} line {line} reads {name!r}, which it neither defines nor imports",
                    int(cell.group(1)) if cell else None,
                    (cell.group(2) if cell and cell.group(2) != "-" else None),
                    None,
                    f"import {name} in a setup cell, or define it in a library cell",
                )
            )
    return found
