"""One MLflow tracking server as nbops talks to it: MLflow's own client, with every failure
turned into a :class:`~nbops.errors.SyncError` naming the server and the HTTP status.

Credentials come the way MLflow reads them (``MLFLOW_TRACKING_USERNAME``/``_PASSWORD``,
``MLFLOW_TRACKING_TOKEN``, or user:password in the URI); messages only ever show the URI
without them.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from typing import Any

from ..errors import InvalidValueError, SyncError
from ..store.sync import clean_target

# MLflow's client retries a failed request 7 times with exponential back-off (minutes in
# all). A push has its own resume and the Lab pusher its own back-off, so unless the user
# chose otherwise, fail within seconds and say why.
_CLIENT_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
# Waits before repeating a request an overloaded server refused (its database connection
# pool ran dry, a proxy timed out): a busy server is no reason to stop a push.
RETRY_WAITS = (1.0, 3.0, 9.0)
_OVERLOAD_WORDS = ("QueuePool limit", "timed out", "deadlock detected", "too many connections")
# where MLflow's and requests' messages put the status: a plain-text error answer, or the
# retries of a transient one (500, 502, 503, 504, 429) running out
_STATUS = re.compile(r"failed with error code (\d{3})|too many (\d{3}) error responses")
_JSON = {"Content-Type": "application/json"}
_STATUS_WORDS = {
    401: "authentication failed: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)",
    403: "permission denied for these credentials",
    404: "not found: is this an MLflow tracking server?",
}


class TrackingServer:
    """An ``MlflowClient`` for ``uri`` that counts the requests it makes."""

    def __init__(self, uri: str):
        if not isinstance(uri, str) or not re.match(r"^https?://[^/\s]+", uri.strip()):
            raise InvalidValueError(
                f"MLflow tracking URI {uri!r} is not valid: use the server's http(s) address, "
                "e.g. http://127.0.0.1:5000"
            )
        for name, value in _CLIENT_DEFAULTS.items():
            os.environ.setdefault(name, value)
        from mlflow.tracking import MlflowClient

        self.uri = uri.strip()
        self.target = clean_target(self.uri)
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        self.requests = 0
        self._host_creds = None
        self._lock = threading.Lock()

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``client.method(*args, **kwargs)``, counted, with errors as SyncError."""
        self.count()
        with self.translated(method):
            return getattr(self.client, method)(*args, **kwargs)

    def post(self, endpoint: str, body: bytes, what: str) -> None:
        """POST a JSON ``body`` built without MLflow's entities, through MLflow's own HTTP
        layer: the credentials its REST store would send, its retries and its keep-alive pool."""
        from mlflow.utils.rest_utils import http_request, verify_rest_response

        self.count()
        with self.translated(what):
            answer = http_request(self._creds(), endpoint, "POST", data=body, extra_headers=_JSON)
            verify_rest_response(answer, endpoint)

    def post_again(self, endpoint: str, body: bytes, what: str) -> None:
        """:meth:`post` of a request that is safe to repeat (MLflow stores a metric point once
        per step, time and value), tried again when the server says it is overloaded."""
        for wait in RETRY_WAITS:
            try:
                return self.post(endpoint, body, what)
            except SyncError as exc:
                if not _overloaded(exc):
                    raise
                time.sleep(wait)
        return self.post(endpoint, body, what)

    def _creds(self):
        # resolved once per push, by the function MLflow's REST store calls before each request
        # (URI, MLFLOW_TRACKING_USERNAME/_PASSWORD/_TOKEN, TLS settings); never logged
        if self._host_creds is None:
            from mlflow.utils.credentials import get_default_host_creds

            self._host_creds = get_default_host_creds(self.uri)
        return self._host_creds

    def check(self) -> None:
        """Fail early, before anything is written, when the server cannot be used."""
        self.call("search_experiments", max_results=1)

    @contextmanager
    def translated(self, what: str):
        from mlflow.exceptions import MlflowException

        try:
            yield
        except SyncError:
            raise
        except MlflowException as exc:
            raise self.error(what, exc) from None
        except OSError as exc:  # requests' ConnectionError and friends, file errors on artifacts
            raise self.error(what, exc) from None

    def error(self, what: str, exc: BaseException) -> SyncError:
        text = self._scrub(str(exc))
        status = _http_status(exc, text)
        if status is not None:
            reason = _STATUS_WORDS.get(status) or _reason(text, status)
            return SyncError(f"the MLflow server at {self.target} answered HTTP {status} to {what}: {reason}", status)
        if any(
            word in text
            for word in (
                "Connection refused",
                "Max retries",
                "Failed to establish",
                "NameResolution",
                "timed out",
                "RemoteDisconnected",
                "Connection aborted",
            )
        ):
            return SyncError(
                f"cannot reach the MLflow server at {self.target} ({what}): no HTTP answer ({_connection_reason(text)})"
            )
        return SyncError(f"the MLflow server at {self.target} refused {what}: {_first_line(text)}")

    def _scrub(self, text: str) -> str:
        # the URI the user gave may hold user:password; never let it into a message
        text = text.replace(self.uri, self.target)
        return re.sub(r"//[^/@\s]+:[^/@\s]+@", "//", text)


def _http_status(exc: BaseException, text: str) -> int | None:
    from mlflow.exceptions import RestException

    match = _STATUS.search(text)
    if match:
        return int(next(g for g in match.groups() if g))
    if isinstance(exc, RestException):  # a JSON error body; MLflow maps its error code back to the status
        return int(exc.get_http_status_code())
    return None


def _overloaded(exc: SyncError) -> bool:
    return exc.status in (429, 503, 504) or (exc.status is not None and any(w in exc.message for w in _OVERLOAD_WORDS))


def _reason(text: str, status: int) -> str:
    if "too many" in text:
        return f"it kept failing after {os.environ.get('MLFLOW_HTTP_REQUEST_MAX_RETRIES', '?')} retries"
    body = re.search(r"Response body: '(.*)'", text, re.S)
    return _first_line(body.group(1)) if body else _first_line(text)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no detail"
    return line[:300]


def _connection_reason(text: str) -> str:
    for phrase in (
        "Connection refused",
        "Name or service not known",
        "timed out",
        "RemoteDisconnected",
        "Connection aborted",
    ):
        if phrase in text:
            return phrase.lower()
    return "the connection failed"
