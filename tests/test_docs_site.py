"""The documentation site builds with every warning as an error, as Read the Docs builds it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_docs_build_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rest = (tmp_path / "rest.html").read_text()
    assert "GET /runs/{run_id}/metrics" in rest  # rendered from the OpenAPI document
