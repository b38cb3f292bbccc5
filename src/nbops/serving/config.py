"""What ``nbops serve`` serves and how: parsed once, shared with every worker as JSON."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field

from nbops.errors import InvalidValueError

ENVIRONMENT = "NBOPS_SERVE_CONFIG"  # how uvicorn's worker processes receive the config
DEFAULT_MAX_BODY = 5 * 1024 * 1024
_SPEC = re.compile(r"^(?P<name>[^@:]+)(?:@(?P<alias>[^@:]+)|:(?P<version>[^@:]+))?$")


@dataclass(frozen=True)
class VersionRef:
    """A model version as the user named it: a number, an alias, or None for the latest."""

    name: str
    version: int | str | None = None

    @property
    def text(self) -> str:
        if self.version is None:
            return self.name
        return f"{self.name}:{self.version}" if isinstance(self.version, int) else f"{self.name}@{self.version}"


@dataclass(frozen=True)
class ServeConfig:
    model: VersionRef
    host: str = "127.0.0.1"
    port: int = 5001
    workers: int = 1
    token: str | None = None
    canary: VersionRef | None = None
    canary_percent: float = 0.0
    shadow: VersionRef | None = None
    window_seconds: int = 3600
    flush_seconds: float = 1.0  # monitoring is written this often (drift windows 10 times less often)
    log_inputs: bool = False
    monitoring: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY
    seed: int | None = None
    session_id: str = field(default="")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        data = json.loads(text)
        for key in ("model", "canary", "shadow"):
            if data[key] is not None:
                data[key] = VersionRef(**data[key])
        return cls(**data)

    @classmethod
    def from_environment(cls) -> ServeConfig:
        text = os.environ.get(ENVIRONMENT)
        if not text:
            raise InvalidValueError(f"{ENVIRONMENT} is not set: start the server with `nbops serve MODEL`")
        return cls.from_json(text)


def parse_model(text: str) -> VersionRef:
    """``churn``, ``churn@production`` or ``churn:3``."""
    match = _SPEC.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidValueError(
            f"model {text!r} is not valid: use NAME, NAME@ALIAS or NAME:VERSION, e.g. churn@production or churn:3"
        )
    if match["version"] is not None:
        if not match["version"].isdigit():
            raise InvalidValueError(
                f"version {match['version']!r} in {text!r} is not valid: use a whole number "
                f"(NAME:3) or an alias (NAME@candidate)"
            )
        return VersionRef(match["name"], int(match["version"]))
    return VersionRef(match["name"], match["alias"])


def parse_challenger(model: VersionRef, text: str) -> VersionRef:
    """The other version under the same name: an alias, a number, or a full NAME@ALIAS / NAME:N."""
    if "@" in text or ":" in text:
        ref = parse_model(text)
        if ref.name != model.name:
            raise InvalidValueError(
                f"{text!r} names model {ref.name!r}: canary and shadow serve two versions of {model.name!r}"
            )
        return ref
    return VersionRef(model.name, int(text) if text.isdigit() else text)


def parse_canary(model: VersionRef, text: str) -> tuple[VersionRef, float]:
    """``candidate=10``: 10 % of requests go to the ``candidate`` version."""
    version, sep, percent = text.rpartition("=")
    try:
        value = float(percent)
    except ValueError:
        value = float("nan")
    if not sep or not version or not 0 < value < 100:
        raise InvalidValueError(
            f"--canary {text!r} is not valid: use ALIAS_OR_VERSION=PERCENT with a percent "
            "between 0 and 100, e.g. candidate=10"
        )
    return parse_challenger(model, version), value
