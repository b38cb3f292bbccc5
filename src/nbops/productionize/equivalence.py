"""Prove the package reproduces the notebook: run it in a subprocess with default
parameters and compare every step output with the golden recording; then run its tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["EquivalenceEntry", "check_equivalence", "run_package_tests", "TestOutcome"]

_CHECK = r'''
import importlib, json, sys, traceback
from pathlib import Path
package_dir, package, report = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
sys.path.insert(0, str(package_dir / "src"))
golden = package_dir / "tests" / "golden"
expected = json.loads((golden / "fingerprints.json").read_text())
try:
    module = importlib.import_module(package)
    fingerprint = importlib.import_module(package + "._fingerprint")
    result = module.run(module.Params(), track=False)
except Exception:
    report.write_text(json.dumps({"error": traceback.format_exc()}))
    raise SystemExit(0)
entries = []
for step, entry in expected["steps"].items():
    values = result.outputs.get(step, {})
    for name, recorded in entry["outputs"].items():
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
report.write_text(json.dumps({"entries": entries, "metrics": result.metrics}, default=str))
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
    """Tracking off, and a scratch store besides: the proof never writes to the user's store.
    The generated tests need no pytest plugin, and loading every installed one costs seconds."""
    env = dict(os.environ)
    if not plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["NBOPS_HOME"] = str(Path(scratch) / "store")
    env["PYTHONPATH"] = os.pathsep.join([str(package_dir / "src")] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NBOPS_TRACKING"] = "0"
    return env


def check_equivalence(package_dir: Path, package: str, *, python: str | None = None, workdir: Path | None = None,
                      timeout: int = 600) -> tuple[list[EquivalenceEntry], str | None]:
    """Entries per step output, and the package's traceback if it failed to run."""
    with tempfile.TemporaryDirectory(prefix="nbops-equivalence-") as tmp:
        report = Path(tmp) / "report.json"
        done = subprocess.run([python or sys.executable, "-c", _CHECK, str(package_dir), package, str(report)],
                              cwd=workdir or package_dir, env=_env(package_dir, tmp), capture_output=True, text=True,
                              timeout=timeout)
        if not report.exists():
            return [], (done.stderr or done.stdout)[-4000:] or f"exit status {done.returncode}"
        data = json.loads(report.read_text())
    if "error" in data:
        return [], data["error"][-4000:]
    return [EquivalenceEntry(**e) for e in data["entries"]], None


def run_package_tests(package_dir: Path, *, python: str | None = None, workdir: Path | None = None,
                      timeout: int = 900) -> TestOutcome:
    """Run the package's own pytest suite in a subprocess and count the outcomes."""
    with tempfile.TemporaryDirectory(prefix="nbops-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        done = subprocess.run([python or sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--rootdir", str(package_dir), "-c", str(package_dir / "pyproject.toml"),
                               f"--junitxml={junit}", str(package_dir / "tests")],
                              cwd=workdir or package_dir, env=_env(package_dir, tmp, plugins=False),
                              capture_output=True, text=True, timeout=timeout)
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
        outcome.passed += total - int(suite.get("failures", 0)) - int(suite.get("errors", 0)) - int(suite.get("skipped", 0))
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                outcome.failures.append(f"{case.get('classname')}::{case.get('name')}")
    return outcome
