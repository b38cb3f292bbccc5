"""Latency as counts in fixed log-spaced bins: histograms of several workers and windows
merge by adding counts, and quantiles come from the merged counts (within one bin: 6 %)."""

from __future__ import annotations

import math

_LOW = 1e-5  # 10 µs: everything below falls in bin 0
_PER_DECADE = 40  # bin width 10**(1/40): about 6 %
BINS = 7 * _PER_DECADE + 1  # up to 100 s; slower requests fall in the last bin


def bin_of(seconds: float) -> int:
    if seconds <= _LOW:
        return 0
    return min(int(math.log10(seconds / _LOW) * _PER_DECADE) + 1, BINS - 1)


def upper_edge(index: int) -> float:
    return _LOW * 10 ** (index / _PER_DECADE)


class Histogram:
    def __init__(self, counts: dict[int, int] | None = None, total: float = 0.0):
        self.counts: dict[int, int] = dict(counts or {})
        self.total = total  # sum of seconds, for the mean

    def add(self, seconds: float) -> None:
        index = bin_of(seconds)
        self.counts[index] = self.counts.get(index, 0) + 1
        self.total += seconds

    def merge(self, other: Histogram) -> Histogram:
        counts = dict(self.counts)
        for k, v in other.counts.items():
            counts[k] = counts.get(k, 0) + v
        return Histogram(counts, self.total + other.total)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def quantile(self, q: float) -> float | None:
        """The upper edge of the bin holding the q-quantile (never under-reports)."""
        n = self.n
        if not n:
            return None
        rank, seen = q * n, 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return upper_edge(index)
        return upper_edge(max(self.counts))

    def to_dict(self) -> dict:
        return {"counts": {str(k): v for k, v in self.counts.items()}, "total": self.total}

    @classmethod
    def from_dict(cls, data: dict) -> Histogram:
        return cls({int(k): v for k, v in data.get("counts", {}).items()}, data.get("total", 0.0))

    def summary_ms(self) -> dict:
        n = self.n
        return {
            "p50": _ms(self.quantile(0.5)),
            "p90": _ms(self.quantile(0.9)),
            "p99": _ms(self.quantile(0.99)),
            "mean": _ms(self.total / n) if n else None,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)
