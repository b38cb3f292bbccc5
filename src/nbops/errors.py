"""The one exception tree of nbops.

    NbopsError
    ├── InvalidValueError        bad user input; also a ValueError
    │   ├── InvalidMetricError   a metric value that is not a real number; also a TypeError
    │   ├── FilterSyntaxError    a run filter that does not parse
    │   └── PayloadTooLargeError a request body over the size limit (413)
    ├── NotFoundError            no such run, experiment, model, artifact…; also a LookupError
    ├── ConflictError            the request contradicts the current state (e.g. run ended)
    ├── StoreError               the store cannot be opened or written
    ├── ProductionizeError       a notebook cannot be turned into a pipeline
    ├── SyncError                a remote tracking server (MLflow) refused or cannot be reached
    └── ReproductionError        ``nbops reproduce`` could not re-create or re-run a run

Every message names the bad value and says what would be valid. The server turns these
into ``{"message", "reason"}`` JSON with ``http_status``; magics show them as one line.
"""

from __future__ import annotations

__all__ = [
    "NbopsError",
    "InvalidValueError",
    "InvalidMetricError",
    "FilterSyntaxError",
    "PayloadTooLargeError",
    "NotFoundError",
    "ConflictError",
    "StoreError",
    "ProductionizeError",
    "SyncError",
    "ReproductionError",
]


class NbopsError(Exception):
    """Base of every error nbops raises on purpose."""

    http_status = 500
    reason = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: a user error is one line.
        return [f"{type(self).__name__}: {self.message}"]


class InvalidValueError(NbopsError, ValueError):
    http_status = 400
    reason = "invalid_value"


class InvalidMetricError(InvalidValueError, TypeError):
    reason = "invalid_metric"


class FilterSyntaxError(InvalidValueError):
    reason = "invalid_filter"


class PayloadTooLargeError(InvalidValueError):
    http_status = 413
    reason = "payload_too_large"


class NotFoundError(NbopsError, LookupError):
    http_status = 404
    reason = "not_found"


class ConflictError(NbopsError):
    http_status = 409
    reason = "conflict"


class StoreError(NbopsError):
    http_status = 503
    reason = "store_unavailable"


class ProductionizeError(NbopsError):
    """Carries the coded diagnostics that made conversion impossible."""

    http_status = 422
    reason = "not_convertible"

    def __init__(self, message: str, diagnostics: list | None = None):
        super().__init__(message)
        self.diagnostics = list(diagnostics or [])


class SyncError(NbopsError):
    """A remote tracking server could not take or give runs; names its URI and HTTP status."""

    http_status = 502
    reason = "sync_failed"

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ReproductionError(NbopsError):
    """``nbops reproduce`` could not re-create or re-run a run (a diff that no longer applies, a
    notebook or package run that fails); names the step and shows the end of its output."""

    http_status = 500
    reason = "reproduction_failed"


class ServeStartError(NbopsError):
    """A model endpoint started from JupyterLab did not answer ``/ping``: its process ended
    (502) or did not answer in time (504); the message ends with the serve log's last lines."""

    http_status = 502
    reason = "serve_failed"

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        if timed_out:
            self.http_status = 504
