"""Artifacts are streamed from their content-addressed blobs; the request path only selects a row."""

import json
import os

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

import nbops


@pytest.fixture
def raw_get(jp_fetch, jp_http_port, jp_base_url, jp_auth_header):
    """GET a path exactly as written (no client-side escaping), authenticated."""

    async def fetch(path, headers=None):
        client = AsyncHTTPClient()  # made in the test's event loop
        url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}nbops/api/{path}"
        return await client.fetch(url, headers={**jp_auth_header, **(headers or {})}, raise_error=False)

    return fetch


@pytest.fixture
def logged(project):
    payload = os.urandom(700_000)  # more than one chunk
    with nbops.start_run("art", capture_provenance=False) as run:
        nbops.log_artifact(payload, name="model/weights.bin")
        nbops.log_artifact(
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", name="plots/evil.svg"
        )
        nbops.log_artifact(b"hello", name='notes d\u00e9j\u00e0 "v1".txt')
    return run.id, payload


async def test_an_artifact_streams_whole_with_type_length_and_etag(raw_get, logged):
    run_id, payload = logged
    response = await raw_get(f"runs/{run_id}/artifacts/model/weights.bin")
    assert response.code == 200 and response.body == payload
    assert response.headers["Content-Length"] == str(len(payload))
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith('inline; filename="weights.bin"')
    again = await raw_get(f"runs/{run_id}/artifacts/model/weights.bin", {"If-None-Match": response.headers["ETag"]})
    assert again.code == 304 and again.body == b""


async def test_downloads_are_attachments_with_the_name_kept(raw_get, logged):
    run_id, _ = logged
    response = await raw_get(f"runs/{run_id}/artifacts/notes%20d%C3%A9j%C3%A0%20%22v1%22.txt?download=true")
    assert response.code == 200 and response.body == b"hello"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="notes d_j_ _v1_.txt"')
    assert "filename*=UTF-8''notes%20d%C3%A9j%C3%A0%20%22v1%22.txt" in disposition
    assert response.headers["Content-Type"].startswith("text/plain")


async def test_logged_markup_cannot_run_script_in_the_jupyter_origin(raw_get, logged):
    run_id, _ = logged
    response = await raw_get(f"runs/{run_id}/artifacts/plots/evil.svg")
    assert response.code == 200 and response.headers["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "../../../etc/passwd",
        "model/../../nbops.db",
        "%2e%2e/%2e%2e/etc/passwd",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "model/%2e%2e/weights.bin",
        "%2Fetc%2Fpasswd",
        "/etc/passwd",
        "model/weights.bin%00.png",
        "model/./weights.bin",
        "model//weights.bin",
        "..%5C..%5Cnbops.db",
    ],
)
async def test_path_traversal_is_refused_before_any_file_is_touched(raw_get, logged, path):
    run_id, _ = logged
    response = await raw_get(f"runs/{run_id}/artifacts/{path}")
    assert response.code == 400, (path, response.code, response.body[:200])
    body = json.loads(response.body)
    assert body["reason"] == "invalid_value" and "artifact path" in body["message"]


async def test_a_symlink_planted_in_the_blobs_folder_is_not_followed(raw_get, project):
    secret = project / "secret.txt"
    secret.write_text("do not serve")
    with nbops.start_run("art", capture_provenance=False) as run:
        info = nbops.log_artifact(b"original", name="a.txt")
    blob = project / ".nbops" / "blobs" / info["sha256"][:2] / info["sha256"][2:]
    blob.unlink()
    blob.symlink_to(secret)
    response = await raw_get(f"runs/{run.id}/artifacts/a.txt")
    assert response.code == 404 and b"do not serve" not in response.body
    assert "missing from the store" in json.loads(response.body)["message"]


async def test_listing_and_unknown_artifacts(jp_fetch, logged):
    run_id, payload = logged
    listing = json.loads((await jp_fetch("nbops", "api", "runs", run_id, "artifacts")).body)
    assert [a["path"] for a in listing["artifacts"]] == [
        "model/weights.bin",
        'notes d\u00e9j\u00e0 "v1".txt',
        "plots/evil.svg",
    ]
    assert listing["artifacts"][0]["size"] == len(payload)
    for parts in (("runs", run_id, "artifacts", "nope.txt"), ("runs", "ghost", "artifacts")):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("nbops", "api", *parts)
        assert caught.value.code == 404
