"""``nbops serve MODEL[@ALIAS|:VERSION]``: arguments, checks, and uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
import uuid

from nbops.errors import InvalidValueError
from nbops.serving.config import DEFAULT_MAX_BODY, ENVIRONMENT, ServeConfig, parse_canary, parse_challenger, parse_model


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model",
        metavar="MODEL[@ALIAS|:VERSION]",
        help="a registered model: NAME (latest), NAME@ALIAS (e.g. churn@production) or NAME:VERSION",
    )
    parser.add_argument("--port", type=int, default=5001, help="port (default 5001)")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1: this machine only)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--token", help="require 'Authorization: Bearer TOKEN' (default: $NBOPS_SERVE_TOKEN, or none)")
    split = parser.add_mutually_exclusive_group()
    split.add_argument(
        "--canary", metavar="ALIAS_OR_VERSION=PCT", help="send PCT %% of requests to this version, e.g. candidate=10"
    )
    split.add_argument(
        "--shadow",
        metavar="ALIAS_OR_VERSION",
        help="also score every request with this version, log it, never return it",
    )
    parser.add_argument("--seed", type=int, help="seed of the canary split (default: random)")
    parser.add_argument(
        "--window-seconds", type=int, default=3600, help="length of a live drift window (default 3600: hourly)"
    )
    parser.add_argument(
        "--flush-seconds",
        type=float,
        default=1.0,
        help="write monitoring data this often (default 1; drift windows every 10 flushes): "
        "a killed server loses at most this much of it",
    )
    parser.add_argument("--log-inputs", action="store_true", help="also store each request's raw inputs")
    parser.add_argument(
        "--no-monitoring", action="store_true", help="no drift windows, stats or request log (for comparison)"
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY,
        help=f"largest request body (default {DEFAULT_MAX_BODY}); larger ones get 413",
    )


def build_config(args: argparse.Namespace) -> ServeConfig:
    model = parse_model(args.model)
    canary, percent = parse_canary(model, args.canary) if args.canary else (None, 0.0)
    shadow = parse_challenger(model, args.shadow) if args.shadow else None
    for flag, value, low in (
        ("--port", args.port, 1),
        ("--workers", args.workers, 1),
        ("--window-seconds", args.window_seconds, 1),
        ("--max-body-bytes", args.max_body_bytes, 1),
    ):
        if value < low:
            raise InvalidValueError(f"{flag} {value} is not valid: use a whole number >= {low}")
    if not 0.01 <= args.flush_seconds <= 3600:  # NaN fails too
        raise InvalidValueError(
            f"--flush-seconds {args.flush_seconds} is not valid: use a number of seconds from 0.01 to 3600"
        )
    if args.port > 65535:
        raise InvalidValueError(f"--port {args.port} is not valid: use 1 to 65535")
    return ServeConfig(
        model=model,
        host=args.host,
        port=args.port,
        workers=args.workers,
        token=args.token or os.environ.get("NBOPS_SERVE_TOKEN") or None,
        canary=canary,
        canary_percent=percent,
        shadow=shadow,
        window_seconds=args.window_seconds,
        flush_seconds=args.flush_seconds,
        log_inputs=args.log_inputs,
        monitoring=not args.no_monitoring,
        max_body_bytes=args.max_body_bytes,
        seed=args.seed,
        session_id=uuid.uuid4().hex,
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from nbops.serving.loading import load_version
    from nbops.store import open_store

    config = build_config(args)
    store = open_store()
    # Resolve and load every version now: a bad name or version fails here, in one line.
    served = [load_version(store, ref) for ref in (config.model, config.canary or config.shadow) if ref]
    os.environ[ENVIRONMENT] = config.to_json()
    os.environ.setdefault("NBOPS_HOME", str(store.root))  # workers open the same store
    for version in served:
        note = "" if version.reference is not None else " (no drift reference: live drift is off for it)"
        print(f"nbops serve: {version.name} v{version.version}{note}", file=sys.stderr)
    where = f"http://{config.host}:{config.port}"
    print(f"nbops serve: POST {where}/invocations (session {config.session_id})", file=sys.stderr, flush=True)
    uvicorn.run(
        "nbops.serving.app:app_from_environment",
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level="warning",
        access_log=False,
    )
    return 0
