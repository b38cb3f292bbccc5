"""The frontend's payload types are generated from the OpenAPI document: the checked-in
labextension/src/openapi.ts must be exactly what openapi-typescript makes of it now."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "labextension" / "src" / "openapi.ts"
GENERATOR = ROOT / "node_modules" / ".bin" / "openapi-typescript"


def test_the_checked_in_types_match_the_openapi_document(tmp_path):
    assert GENERATOR.exists(), "openapi-typescript is not installed: run `jlpm install` (bash .ci/install does)"
    assert shutil.which("node"), "Node.js is needed to generate the frontend's types"
    fresh = tmp_path / "openapi.ts"
    subprocess.run(
        [str(GENERATOR), str(ROOT / "src" / "nbops" / "server" / "openapi.json"), "--output", str(fresh)],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    assert fresh.read_text() == GENERATED.read_text(), (
        "labextension/src/openapi.ts is out of date with src/nbops/server/openapi.json: run `jlpm build:types`"
    )


def test_tokens_name_payloads_from_the_generated_types():
    tokens = (ROOT / "labextension" / "src" / "tokens.ts").read_text()
    assert "from './openapi'" in tokens
    for alias in (
        "IRunMetricsResponse",
        "IMetricSeries",
        "ICompareRun",
        "IExperimentsResponse",
        "IVersionResponse",
        "IErrorResponse",
        "IArtifact",
        "IRun",
        "IRunsPage",
        "IRunRecord",
        "IMetricSummary",
        "IModelVersion",
        "IRegisteredModel",
        "IModelsResponse",
        "IComparison",
        "IDriftSubject",
        "IDriftWindowsResponse",
        "IDriftOverlay",
        "IDriftAlertsResponse",
        "IDriftRulesResponse",
        "IPipelineAnalysis",
        "IProductionizeJob",
        "IModelEvaluation",
        "IModelExplanation",
    ):
        assert f"export type {alias} = " in tokens, f"{alias} is written by hand again"


def test_tokens_write_by_hand_only_what_never_crosses_the_wire():
    """Payloads are aliases of the generated types; the hand-written interfaces are frontend
    state, the tokens' faces, and the drift rule form (which sends numbers as typed)."""
    import re

    tokens = (ROOT / "labextension" / "src" / "tokens.ts").read_text()
    written = set(re.findall(r"^export interface (\w+)", tokens, flags=re.M))
    assert written == {"IRunsQuery", "IRunsSearch", "IRunsModel", "IDriftAlerts", "IDriftRuleRequest"}
