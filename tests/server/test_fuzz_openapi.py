"""Fuzz a running server against its OpenAPI document: every schemathesis phase (examples,
coverage, fuzzing, stateful) and every check, response validation included.

The checks hold the document exact both ways: no 5xx; every status, header, content type and
body as documented (``response_schema_conformance``); schema-valid requests accepted
(``positive_data_acceptance``) and schema-invalid ones refused (``negative_data_rejection``);
a 405 with ``Allow`` for undocumented methods; no answer without the token.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .live_server import live_server

if os.environ.get("CI") != "true":
    pytest.importorskip("schemathesis")  # under CI a missing fuzzer fails below instead of skipping

HOOKS = Path(__file__).with_name("fuzz_hooks.py")  # the filter language and cursors as strategies
EXAMPLES = int(os.environ.get("NBOPS_FUZZ_EXAMPLES", "10"))  # per operation and phase; keeps the run ~1.5 min
SEED = os.environ.get("NBOPS_FUZZ_SEED", "20261203")  # fixed for a reproducible CI; change it to explore


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    from nbops.store import Store

    store = Store(root / ".nbops")
    run_id = store.runs.create("exp", name="fuzzed", params={"lr": 0.1}, tags={"team": "x"})
    store.metrics.write([(run_id, "loss", i, 1.0 / (i + 1), time.time()) for i in range(50)])
    sha, size = store.blobs.put_bytes(b"artifact")
    store.artifacts.add(run_id, "a/b.txt", sha, size)
    store.models.add_version("m", sha, run_id=run_id)
    store.close()
    # The package a drift rule's retrain action may name (fuzz_hooks: format nbops-package).
    (root / "pkg" / "src" / "pkg").mkdir(parents=True)
    (root / "pkg" / ".nbops-package.json").write_text('{"generator": "nbops", "package": "pkg", "files": []}')
    (root / "pkg" / "src" / "pkg" / "params.py").write_text(
        "_SPECS = {'data_path': ('str', False), 'C': ('float', False)}\n"
    )
    with live_server(root) as live:
        yield live


def test_every_phase_and_check_passes_against_the_document(server, tmp_path):
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server.api}/openapi.json",
        "--url",
        server.api,
        "-H",
        f"Authorization: token {server.token}",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        "all",
        # DELETE runs/{id} is a soft delete: the run stays readable, marked deleted_at, until
        # POST runs/{id}/restore (as MLflow's deleted lifecycle stage), so "gone after DELETE" does not apply
        "--exclude-checks",
        "use_after_free",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "1",
        # a complex path pattern makes Hypothesis discard many drafts; that is generation, not the API
        "--suppress-health-check",
        "filter_too_much",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "NO_COLOR": "1"}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    report = out.stdout[-12000:] + out.stderr[-3000:]
    assert out.returncode == 0, report
    assert "Tested: 25" in out.stdout or "Tested:" in out.stdout, report
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert phase in out.stdout, report
