"""Render the REST reference from the OpenAPI document the server ships, so the docs never
restate the contract by hand: ``.. openapi-routes::`` (``{openapi-routes}`` in MyST) becomes
one section per route with its parameters and responses."""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

METHODS = ("get", "post", "put", "patch", "delete")


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and "items" in schema:
        return f"array of {_type(schema['items'])}"
    return kind


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def route_lines(document: dict) -> list[str]:
    """reStructuredText for every operation of ``document``, in the document's order."""
    lines: list[str] = []
    for path, operations in document["paths"].items():
        for method in (m for m in METHODS if m in operations):
            operation = operations[method]
            title = f"{method.upper()} {path}"
            lines += [title, "~" * len(title), "", _cell(operation.get("summary", "")), ""]
            parameters = operation.get("parameters", [])
            if parameters:
                lines += [".. list-table:: Parameters", "   :header-rows: 1", "", "   * - name", "     - in",
                          "     - type", "     - meaning"]
                for parameter in parameters:
                    required = " (required)" if parameter.get("required") else ""
                    lines += [f"   * - ``{parameter['name']}``", f"     - {parameter['in']}{required}",
                              f"     - {_cell(_type(parameter.get('schema', {})))}",
                              f"     - {_cell(parameter.get('description', '')) or '—'}"]
                lines.append("")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                lines += [f"Request body: {_cell(_type(body))}", ""]
            lines += [".. list-table:: Responses", "   :header-rows: 1", "", "   * - status", "     - meaning"]
            for status, response in operation.get("responses", {}).items():
                lines += [f"   * - {status}", f"     - {_cell(response.get('description', '')) or '—'}"]
            lines.append("")
    return lines


class OpenAPIRoutes(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        path = Path(env.config.openapi_document)
        env.note_dependency(str(path))
        container = nodes.section()
        container.document = self.state.document
        lines = route_lines(json.loads(path.read_text()))
        self.state.nested_parse(StringList(lines, source=str(path)), self.content_offset, container, match_titles=True)
        return container.children


def setup(app):
    app.add_config_value("openapi_document", "", "env")
    app.add_directive("openapi-routes", OpenAPIRoutes)
    return {"version": "1", "parallel_read_safe": True}
