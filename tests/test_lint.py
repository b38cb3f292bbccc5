"""The linters, type checks and frontend unit tests of `.ci/lint`, run from the suite.

`.ci/lint` is the one place that says what is checked; this test makes the README's
test command run it. NBOPS_LINT_FORMAT=0 in the environment leaves out the formatting
checks (ruff format, prettier, import order), as it does for the script.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = [
    ROOT / ".venv" / "bin" / "ruff",
    ROOT / ".venv" / "bin" / "mypy",
    ROOT / "node_modules" / ".bin" / "eslint",
    ROOT / "node_modules" / ".bin" / "prettier",
    ROOT / "node_modules" / ".bin" / "stylelint",
    ROOT / "node_modules" / ".bin" / "vitest",
]


def test_linters_type_checks_and_frontend_unit_tests_pass():
    missing = [str(tool.relative_to(ROOT)) for tool in TOOLS if not tool.exists()]
    if missing or shutil.which("jlpm", path=str(ROOT / ".venv" / "bin")) is None:
        # Under CI=true the suite's conftest turns this skip into a failure.
        pytest.skip(f"lint tools are not installed ({', '.join(missing) or 'jlpm'}): run bash .ci/install")
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "lint")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert "== vitest" in output, output[-4000:]
    failed = [line for line in output.splitlines() if line.startswith("failed: ")]
    assert result.returncode == 0, f"{', '.join(failed)}\n{output[-6000:]}"
