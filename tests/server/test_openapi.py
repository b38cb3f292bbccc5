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
