"""The Starlette application of ``nbops serve``: thin handlers over ``Service``.

Errors answer MLflow's shape, ``{"error_code": ..., "message": ...}``: 400 for a payload
the model cannot take (naming the problem), 401 without the token, 413 over the size limit.
"""

from __future__ import annotations

import gc
import hmac
import logging
import time
import uuid
from contextlib import asynccontextmanager

import orjson
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from nbops.errors import InvalidValueError, NbopsError, PayloadTooLargeError
from nbops.serving import ledger, payload
from nbops.serving.config import ServeConfig
from nbops.serving.service import Service

log = logging.getLogger("nbops.serving")
OPEN_PATHS = ("/ping", "/health")  # load balancers probe these without the token
# GET /stats?flush=: "all" writes the queue and the drift windows first; "requests" writes the
# queue only and leaves the windows, whose re-scoring is the costly part, to their beat (a poller)
STATS_FLUSH = ("all", "requests")


class Answer(JSONResponse):
    """JSON written by orjson: several times faster than the standard library on a list of
    predictions, and a regression's NaN becomes null instead of failing the answer."""

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def create_app(config: ServeConfig, store=None) -> Starlette:
    if store is None:
        from nbops.store import open_store

        store = open_store()
    service = Service(config, store)

    @asynccontextmanager
    async def lifespan(app):
        ledger.start_session(
            store,
            config.session_id,
            config.model.name,
            {k: v for k, v in service.describe().items() if k != "session_id"}
            | {"host": config.host, "port": config.port, "workers": config.workers},
        )
        if service.monitor is not None:
            service.monitor.start()
        _freeze_startup_objects()
        yield
        if service.monitor is not None:
            await run_in_threadpool(service.monitor.stop)  # the last batch is written before exit
        ledger.stop_session(store, config.session_id)

    async def invocations(request: Request):
        at, started = time.time(), time.perf_counter()
        request_id = uuid.uuid4().hex
        route = service.router.route()
        served = service.versions[route.answer]
        headers = {"X-Request-Id": request_id, "X-Nbops-Version": str(served.version)}
        try:
            body = await _body(request, config.max_body_bytes)
            parsed = payload.parse(body, served.features)
            predictions, labels, scores = await service.score(route.answer, parsed)
        except InvalidValueError as exc:
            service.observe(route.answer, request_id, at, started)
            return _error(exc, headers)
        except Exception as exc:  # noqa: BLE001  (a model failure: logged, answered in the same shape)
            log.exception("nbops serve: scoring failed")
            service.observe(route.answer, request_id, at, started)
            return Answer(
                {"error_code": "INTERNAL_ERROR", "message": f"the model failed: {exc}"},
                status_code=500,
                headers=headers,
            )
        service.observe(route.answer, request_id, at, started, parsed, labels, scores)
        task = BackgroundTask(service.shadow, body, parsed, request_id, at) if route.shadow else None
        return Answer({"predictions": predictions}, headers=headers, background=task)

    async def feedback(request: Request):
        if service.monitor is None:
            return _error(
                InvalidValueError("monitoring is off (--no-monitoring): no requests were logged to label"), {}
            )
        try:
            document = payload.json_object(
                await _body(request, config.max_body_bytes), 'send {"request_ids": [...], "labels": [...]}'
            )
            await run_in_threadpool(service.monitor.flush)  # the requests being labelled are in the store
            classifiers = {v.version_id: v.classes is not None for v in service.versions.values()}
            result = await run_in_threadpool(
                ledger.add_feedback,
                store,
                document.get("request_ids"),
                document.get("labels"),
                lambda vid: classifiers.get(vid, True),
            )
        except InvalidValueError as exc:
            return _error(exc, {})
        versions = {v.version_id: v.version for v in service.versions.values()}
        for item in result["performance"]:
            item["version"] = versions.get(item["version_id"])
        return Answer(result)

    async def stats(request: Request):
        flush = request.query_params.get("flush", "all")
        if flush not in STATS_FLUSH:
            return _error(InvalidValueError(f"flush={flush!r} is not one of: {', '.join(STATS_FLUSH)}"), {})
        if service.monitor is not None:
            await run_in_threadpool(service.monitor.flush, flush == "all")
        versions = await run_in_threadpool(ledger.session_stats, store, config.session_id)
        cost = round(service.monitor.cpu_seconds, 6) if service.monitor is not None else None
        return Answer(
            service.describe()
            | {
                "uptime_seconds": round(time.time() - service.started_at, 3),
                "monitor_cpu_seconds": cost,
                "stats": versions,
            }
        )

    async def ping(request: Request):
        return PlainTextResponse("\n")

    async def health(request: Request):
        return Answer(
            {
                "status": "ok",
                "model": config.model.name,
                "versions": {r: v.version for r, v in service.versions.items()},
            }
        )

    async def version(request: Request):
        from nbops import __version__

        return Answer({"nbops": __version__, **service.describe()})

    app = Starlette(
        routes=[
            Route("/invocations", invocations, methods=["POST"]),
            Route("/feedback", feedback, methods=["POST"]),
            Route("/stats", stats, methods=["GET"]),
            Route("/ping", ping, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/version", version, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    if config.token:
        app.add_middleware(_TokenMiddleware, token=config.token)
    return app


def _freeze_startup_objects() -> None:
    """Keep the garbage collector off what start-up made (imports, the models, their references).

    Those ~140,000 objects live as long as the server, yet every full collection walked them
    all: 100-380 ms with the loop stopped (measured on the serving benchmark's host), and
    the monitor's queued observations make full collections come during serving. Frozen, a
    full collection walks only what serving made since. Collected first, so no garbage is
    frozen with them.
    """
    gc.collect()
    gc.freeze()


def app_from_environment() -> Starlette:
    """uvicorn's factory in each worker process: the config comes from the environment."""
    return create_app(ServeConfig.from_environment())


async def _body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLargeError(
            f"the body has {int(length):,} bytes: the limit is {limit:,} "
            "(--max-body-bytes); send fewer rows per request"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"the body is over the limit of {limit:,} bytes (--max-body-bytes); send fewer rows per request"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _error(exc: NbopsError, headers: dict) -> Answer:
    code = "PAYLOAD_TOO_LARGE" if exc.http_status == 413 else "BAD_REQUEST"
    return Answer({"error_code": code, "message": exc.message}, status_code=exc.http_status, headers=headers)


class _TokenMiddleware:
    """401 unless ``Authorization: Bearer <token>`` (a plain ASGI middleware: no per-request task)."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        if hmac.compare_digest(given, self.expected):
            return await self.app(scope, receive, send)
        response = Answer(
            {
                "error_code": "UNAUTHENTICATED",
                "message": "this server needs 'Authorization: Bearer <token>' (nbops serve --token)",
            },
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)
