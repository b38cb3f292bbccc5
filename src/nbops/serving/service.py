"""What one worker serves: the versions, their batchers, the router and the monitor."""

from __future__ import annotations

import time
from typing import Any

from nbops.errors import InvalidValueError
from nbops.serving import payload
from nbops.serving.batching import Batcher
from nbops.serving.config import ServeConfig
from nbops.serving.loading import ServedVersion, load_version
from nbops.serving.monitor import Monitor, Observation
from nbops.serving.routing import Router


class Service:
    """What one worker serves: the versions, the router, the monitor."""

    def __init__(self, config: ServeConfig, store):
        self.config = config
        self.store = store
        self.versions: dict[str, ServedVersion] = {"primary": load_version(store, config.model)}
        challenger = config.canary or config.shadow
        if challenger is not None:
            self.versions["canary" if config.canary else "shadow"] = load_version(store, challenger)
        mode = "canary" if config.canary else "shadow" if config.shadow else None
        self.router = Router(mode, config.canary_percent, config.seed)
        self.batchers = {role: Batcher(_scorer(v)) for role, v in self.versions.items()}
        self.monitor = (
            Monitor(
                store,
                config.session_id,
                window_seconds=config.window_seconds,
                log_inputs=config.log_inputs,
                interval=config.flush_seconds,
                drift_interval=10 * config.flush_seconds,  # re-scoring windows is the costly part
            )
            if config.monitoring
            else None
        )
        self.started_at = time.time()

    def describe(self) -> dict[str, Any]:
        return {
            "model": self.config.model.name,
            "session_id": self.config.session_id,
            "versions": {role: v.describe() for role, v in self.versions.items()},
            "split": self._split(),
            "window_seconds": self.config.window_seconds,
            "flush_seconds": self.config.flush_seconds,
            "monitoring": self.monitor is not None,
        }

    def _split(self) -> dict[str, Any]:
        if self.config.canary:
            return {"mode": "canary", "canary_percent": self.config.canary_percent}
        return {"mode": "shadow" if self.config.shadow else "single"}

    async def score(self, role: str, request: payload.Request) -> tuple[list, list, list | None]:
        """The answer's predictions, the rows' labels and positive-class scores (for monitoring;
        scores only where the version's live performance is estimated), scored in a batch."""
        served = self.versions[role]
        if request.method == "predict_proba" and not served.has_proba:
            raise InvalidValueError(
                f"{served.name} v{served.version} ({type(served.model).__name__}) has no "
                "predict_proba: use params.method 'predict'"
            )
        results = await self.batchers[role].submit(request)
        scores = [r[2] for r in results] if served.estimation is not None and self.monitor is not None else None
        return [r[0] for r in results], [r[1] for r in results], scores

    def observe(
        self,
        role: str,
        request_id: str,
        at: float,
        started: float,
        request: payload.Request | None = None,
        labels=None,
        scores=None,
    ) -> None:
        if self.monitor is not None:
            self.monitor.record(
                Observation(
                    self.versions[role],
                    role,
                    request_id,
                    at,
                    time.perf_counter() - started,
                    request is not None,
                    request.columns if request else None,
                    request.rows if request else 0,
                    labels,
                    scores,
                )
            )

    async def shadow(self, body: bytes, primary: payload.Request, request_id: str, at: float) -> None:
        """Score the challenger after the answer was sent; only its monitoring sees the result."""
        served, started = self.versions["shadow"], time.perf_counter()
        try:
            request = (
                primary
                if served.features == self.versions["primary"].features
                else payload.parse(body, served.features)
            )
            _, labels, scores = await self.score("shadow", request)
        except Exception:  # noqa: BLE001  (counted as the shadow's error; the client has its answer)
            self.observe("shadow", request_id, at, started)
            return
        self.observe("shadow", request_id, at, started, request, labels, scores)


def _scorer(served: ServedVersion):
    """Score the rows of several requests in one call: (answer, label, positive-class score) per row."""
    estimation = served.estimation

    def score(parts: list[dict], method: str) -> list[tuple]:
        frame = payload.frame(parts, served.features)
        try:
            if method == "predict_proba" or (estimation is not None and estimation.proba_gives_labels):
                proba = served.model.predict_proba(frame)
                labels = [served.classes[i] for i in proba.argmax(axis=1)] if served.classes else [None] * len(frame)
                scores = proba[:, 1].tolist() if estimation is not None else labels
                answers = proba.tolist() if method == "predict_proba" else labels
                return list(zip(answers, labels, scores))
            predicted = served.model.predict(frame)
            values = predicted.tolist() if hasattr(predicted, "tolist") else list(predicted)
            if estimation is not None and estimation.method == "cbpe":  # predict is not predict_proba's argmax
                return list(zip(values, values, served.model.predict_proba(frame)[:, 1].tolist()))
        except (ValueError, TypeError, KeyError) as exc:  # input the schema allowed but the model refused
            raise InvalidValueError(f"the model could not score this input: {exc}") from None
        return list(zip(values, values, values))

    return score
