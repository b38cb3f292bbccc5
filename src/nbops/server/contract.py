"""The OpenAPI document as the contract of the REST API: request bodies are checked
against their route's ``requestBody`` schema here, in one place, and a failure becomes one
:class:`~nbops.errors.InvalidValueError` naming the bad field and what is valid."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from ..errors import InvalidValueError


@lru_cache(maxsize=1)
def document() -> dict:
    return json.loads(files(__package__).joinpath("openapi.json").read_text(encoding="utf-8"))


def check_body(path: str, method: str, body: Any) -> None:
    """Raise InvalidValueError when ``body`` does not match the request schema of
    ``method path`` (``path`` relative to the API root, e.g. ``runs/abc``)."""
    validator = _body_validator(*_template_of(path, method))
    if validator is None:
        return
    error = _best_error(validator, body)
    if error is not None:
        raise InvalidValueError(describe(error, f"{method.upper()} {_template_of(path, method)[0].lstrip('/')}"))


def describe(error, where: str) -> str:
    """One sentence in the project's style for a jsonschema ``ValidationError``."""
    field = ".".join(str(p) for p in error.absolute_path)
    schema, kind = error.schema, error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        inside = f" in {field}" if field else ""
        return f"{where} got unknown field(s) {', '.join(map(repr, unknown))}{inside}: send only {', '.join(known)}"
    if kind == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        fields = f"field {missing[0]!r}" if len(missing) == 1 else f"fields {', '.join(map(repr, missing))}"
        return f"{where} needs the {fields}" + (f" in {field}" if field else "")
    if kind == "minProperties" and not field:
        return f"{where} got no fields: send one or more of {', '.join(sorted(schema.get('properties', {})))}"
    shown = json.dumps(error.instance, ensure_ascii=False, default=str)
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    if "propertyNames" in error.absolute_schema_path:  # a key of the object is bad, not the object
        return f"the name {shown} in {field or 'the request body'} is not valid: {_what_is_valid(schema, kind, error)}"
    return f"{field or 'the request body'}={shown} is not valid: {_what_is_valid(schema, kind, error)}"


def _what_is_valid(schema: dict, kind: str, error) -> str:
    if kind == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return "use " + _either([_TYPE_NAMES.get(t, t) for t in types])
    if kind == "enum":
        return "use one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if kind == "pattern":
        return "expected " + (schema.get("description") or f"text matching {schema['pattern']}")
    if kind in _LIMITS:
        number = "a whole number" if "integer" in str(schema.get("type")) else "a number"
        return _LIMITS[kind].format(schema[kind]).replace("a number", number)
    if kind == "not" and isinstance(error.validator_value, dict) and "description" in error.validator_value:
        return error.validator_value["description"]
    if kind == "propertyNames":
        return f"a name is not valid ({error.context[0].message if error.context else error.message})"
    return error.message


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
}
_LIMITS = {
    "minimum": "use a number ≥ {}",
    "maximum": "use a number ≤ {}",
    "exclusiveMinimum": "use a number > {}",
    "exclusiveMaximum": "use a number < {}",
    "minLength": "use at least {} character(s)",
    "maxLength": "use at most {:,} characters",
    "minItems": "use at least {} item(s)",
    "maxItems": "use at most {:,} items",
}


def _best_error(validator, body: Any):
    from jsonschema.exceptions import best_match

    return best_match(validator.iter_errors(body))


@cache
def _body_validator(template: str | None, method: str):
    if template is None:
        return None
    operation = document()["paths"][template].get(method, {})
    return validator(operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema"))


def response_validator(path: str, method: str, status: int):
    """The validator of the JSON answer of ``method path`` with ``status``, or None when the
    document gives that answer no JSON schema (the server tests check every answer with it)."""
    template, method = _template_of(path, method)
    if template is None:
        raise KeyError(f"{method.upper()} {path} is not in the OpenAPI document")
    operation = document()["paths"][template].get(method)
    if operation is None and status == 405:  # a method the route lacks: the one error shape
        return validator({"$ref": "#/components/schemas/Error"})
    responses = (operation or {}).get("responses", {})
    answer = responses.get(str(status)) or responses.get("default") or {}
    return validator(answer.get("content", {}).get("application/json", {}).get("schema"))


def validator(schema: dict | None):
    if schema is None:
        return None
    from jsonschema import Draft202012Validator

    # the components travel with the schema, so its "#/components/..." references resolve
    return Draft202012Validator({**schema, "components": document().get("components", {})})


@lru_cache(maxsize=1024)
def _template_of(path: str, method: str) -> tuple[str | None, str]:
    """The document's path template for a concrete ``path`` (``runs/abc`` -> ``/runs/{run_id}``);
    literal segments win over parameters (``productionize/analysis`` is no job id)."""
    matches = [t for t, pattern in _templates() if pattern.fullmatch("/" + path.strip("/"))]
    matches.sort(key=lambda t: -sum(1 for part in t.split("/") if part and not part.startswith("{")))
    return (matches[0] if matches else None), method.lower()


@lru_cache(maxsize=1)
def _templates() -> list[tuple[str, re.Pattern]]:
    def pattern(template: str) -> re.Pattern:
        parts = re.split(r"(\{[^}]+\})", template)
        # {path} is an artifact path and may hold slashes; every other parameter is one segment
        return re.compile(
            "".join((".+" if p == "{path}" else "[^/]+") if p.startswith("{") else re.escape(p) for p in parts)
        )

    return [(t, pattern(t)) for t in document()["paths"]]
