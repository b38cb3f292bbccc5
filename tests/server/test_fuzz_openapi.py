"""Fuzz every documented operation of a running server: no input may cause a 5xx."""

import time

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from nbops.server.openapi_handler import document  # noqa: E402

from .live_server import live_server  # noqa: E402

EXAMPLES = 25  # per operation and mode: bounded so the whole test stays well under a minute


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
    with live_server(root) as live:
        yield live


def operations():
    schema = schemathesis.openapi.from_dict(document())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("operation", operations(), ids=lambda op: op.label)
def test_no_input_makes_the_server_fail(server, operation, mode):
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    try:
        strategy = operation.as_strategy(generation_mode=generation)
    except Exception as exc:  # e.g. nothing negative can be generated for a parameterless GET
        pytest.skip(f"no {mode} cases: {exc}")

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        response = case.call(base_url=server.api, headers=server.headers, timeout=10)
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                            response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert set(response.json()) == {"message", "reason"}, response.text[:300]

    check()
