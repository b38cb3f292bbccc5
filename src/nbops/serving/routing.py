"""Which version answers a request: the primary alone, a canary split, or a shadow.

Canary: each request goes to the challenger with probability ``percent`` / 100, drawn
independently per request (seedable, so a test or a replay splits the same way).
Shadow: the primary answers every request; the challenger scores the same rows after the
answer is sent, and only its monitoring sees its predictions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Route:
    answer: str  # 'primary' or 'canary': the version whose predictions are returned
    shadow: bool  # the challenger also scores the rows, unseen by the client


class Router:
    def __init__(self, mode: str | None, percent: float = 0.0, seed: int | None = None):
        self.mode = mode  # None, 'canary' or 'shadow'
        self.threshold = percent / 100.0
        self._random = random.Random(seed)

    def route(self) -> Route:
        if self.mode == "canary":
            return Route("canary" if self._random.random() < self.threshold else "primary", False)
        return Route("primary", self.mode == "shadow")
