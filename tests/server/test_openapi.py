"""The OpenAPI document and the registered routes describe the same API."""

import json
import re

from nbops.server import route_methods, routes
from nbops.server.openapi_handler import document


def registered() -> dict[str, set[str]]:
    return {
        "/" + re.sub(r"\(\?P<([a-z_]+)>[^)]*\)", r"{\1}", pattern): set(route_methods(handler))
        for pattern, handler in routes()
    }


def documented() -> dict[str, set[str]]:
    return {path: {verb.upper() for verb in item} for path, item in document()["paths"].items()}


def test_every_registered_route_is_documented_with_its_methods():
    assert registered() == documented()


def test_every_operation_documents_its_errors_and_path_parameters():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{([a-z_]+)}", path))
        for verb, operation in item.items():
            assert "403" in operation["responses"], (verb, path)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (verb, path)


async def test_the_document_is_served(jp_fetch, project):
    served = json.loads((await jp_fetch("nbops", "api", "openapi.json")).body)
    assert served == document()


def _parameter(path, verb, name):
    return next(p for p in document()["paths"][path][verb]["parameters"] if p["name"] == name)["schema"]


def _body(path, verb):
    return document()["paths"][path][verb]["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_the_patterns_of_the_document_are_the_servers_own():
    from nbops.server.productionize_handlers import NOTEBOOK_PATH_PATTERN, RELATIVE_PATH_PATTERN
    from nbops.store.models import ALIAS_PATTERN
    from nbops.store.query import MAX_FILTER_LENGTH, MAX_SORT_LENGTH, SORT_PATTERN

    assert _parameter("/runs", "get", "sort") == {
        "type": "string",
        "pattern": SORT_PATTERN,
        "maxLength": MAX_SORT_LENGTH,
    }
    filter_ = next(p for p in document()["paths"]["/runs"]["get"]["parameters"] if p["name"] == "filter")
    # the limits belong to the nbops-filter format (a maxLength would make schemathesis's coverage
    # phase spend minutes drafting a 4,000-character filter)
    assert filter_["schema"] == {"type": "string", "format": "nbops-filter"}
    assert f"{MAX_FILTER_LENGTH:,} characters" in filter_["description"]
    assert _body("/models/{name}/aliases", "patch")["alias"]["pattern"] == ALIAS_PATTERN
    for route in ("/productionize", "/productionize/analysis", "/productionize/suggestions"):
        assert _body(route, "post")["path"]["pattern"] == NOTEBOOK_PATH_PATTERN
    assert _body("/productionize", "post")["out_dir"]["pattern"] == f"^$|{RELATIVE_PATH_PATTERN}"


def test_every_route_that_reads_the_store_documents_its_503():
    for path, item in document()["paths"].items():
        for verb, operation in item.items():
            reads_store = path not in ("/version", "/openapi.json") and not path.startswith("/productionize")
            assert ("503" in operation["responses"]) == reads_store, (verb, path)
