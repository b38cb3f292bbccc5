"""The one base handler: authentication, the store, and one JSON error shape."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..errors import InvalidValueError, NbopsError
from ..store import DB_FILENAME, Store, open_store
from ..store.database import store_error
from .contract import check_body

STORE_SETTING = "nbops_store"
STORE_DIR_SETTING = "nbops_store_dir"
API_ROOT = "nbops/api/"
VERBS = ("get", "post", "put", "patch", "delete")


class NbopsHandler(APIHandler):
    """Subclasses implement verbs with ``@web.authenticated`` and call :meth:`respond`."""

    @property
    def store(self) -> Store:
        """The project's store. One that could not be opened is tried again on each request,
        so fixing the file needs no server restart; until then its StoreError is a 503."""
        store = self.settings.get(STORE_SETTING)
        if store is None:
            store = self.settings[STORE_SETTING] = open_store(self.settings[STORE_DIR_SETTING])
        return store

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP verbs this handler implements, e.g. ['GET', 'PATCH']."""
        return [v.upper() for v in VERBS if getattr(cls, v) is not getattr(NbopsHandler, v)]

    async def respond(self, work: Callable[[], Any], status: int = 200) -> None:
        """Run blocking store work off the event loop and write its result as JSON."""
        result = await asyncio.to_thread(work)
        self.set_status(status)
        self.finish(dumps(result))

    def integer_argument(self, name: str, default: int) -> int:
        text = self.get_argument(name, None)
        if text is None:  # absent; an empty value is no number (the OpenAPI document says so)
            return default
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not -(2**63) <= number < 2**63:  # SQLite's integers are 64 bits
            raise InvalidValueError(f"{name}={text[:40]!r} is not valid: use a whole number") from None
        return number

    def boolean_argument(self, name: str, default: bool = False) -> bool:
        text = self.get_argument(name, None)
        if text is None:
            return default
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise InvalidValueError(f"{name}={text[:40]!r} is not valid: use true or false")

    def json_body(self) -> dict:
        """The request's JSON object, checked against the route's ``requestBody`` schema in
        the OpenAPI document: a 400 names the bad field and what is valid."""
        try:
            body = json.loads(self.request.body or b"{}", parse_constant=_no_constant)
            # JSON may escape a lone surrogate (\ud800); no text column can store one
            json.dumps(body, ensure_ascii=False).encode()
        except (ValueError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
            raise InvalidValueError(f"the request body is not valid JSON text: {str(exc)[:200]}") from None
        if not isinstance(body, dict):
            raise InvalidValueError("the request body must be a JSON object")
        check_body(self.request.path[len(url_path_join(self.base_url, API_ROOT)) :], self.request.method, body)
        return body

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 405:  # RFC 9110: a 405 names the methods the resource has
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(exc, NbopsError):
            self.set_status(exc.http_status)
            body = {"message": exc.message, "reason": exc.reason}
        elif isinstance(exc, web.HTTPError):
            body = {"message": exc.log_message or self._reason, "reason": _reason_slug(self._reason)}
        else:
            body = {"message": "internal error in the nbops server extension; see the server log", "reason": "internal"}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def log_exception(self, typ, value, tb) -> None:  # user errors are not server faults
        if isinstance(value, NbopsError) and value.http_status < 500:
            self.log.info("nbops: %s", value.message)
            return
        super().log_exception(typ, value, tb)

    def _handle_request_exception(self, e: BaseException) -> None:
        if _is_store_fault(e):  # an SQLite failure the store did not translate (e.g. while iterating rows)
            e = store_error(Path(self.settings.get(STORE_DIR_SETTING) or ".") / DB_FILENAME, e)
        if isinstance(e, NbopsError):
            self.send_error(e.http_status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON (JSON numbers are finite)")


def _is_store_fault(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)
    )


def dumps(value: Any) -> bytes:
    """JSON (orjson, ~20× faster than json.dumps). JSON has no NaN or infinity: NaN goes out
    as null, ±inf as the strings "Infinity"/"-Infinity" so a diverged loss shows as ∞."""
    return orjson.dumps(
        _infinities(value), default=_scalar, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    )


def _infinities(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value if value - value == 0 or value != value else ("Infinity" if value > 0 else "-Infinity")
    if kind is dict:
        return {k: _infinities(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_infinities(v) for v in value]
    return value


def _scalar(value: Any) -> Any:
    if hasattr(value, "item"):  # a numpy scalar orjson does not take as it is
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _reason_slug(text: str | None) -> str:
    return (text or "error").lower().replace(" ", "_")
