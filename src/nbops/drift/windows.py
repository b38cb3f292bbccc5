"""Window identity and order: a window is its subject and label; labels sort by time.

A label that names a time (``2024-W19``, ``2024-05``, ``2024-Q2``, ``2024-05-13``, an ISO
timestamp) sorts by that time; any other label sorts in natural order (``W2`` before
``W10``), after the timed ones. Re-checking a label replaces that window: the earlier
result stays in the store as history (``drift_windows.superseded_by``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})(?:-?(\d))?$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_DIGITS = re.compile(r"(\d+)")


def label_time(label: str) -> float | None:
    """The Unix time a window label names (its start), or None when it names no time."""
    text = label.strip()
    try:
        if m := _WEEK.match(text):
            start = date.fromisocalendar(int(m[1]), int(m[2]), int(m[3] or 1))
        elif m := _MONTH.match(text):
            start = date(int(m[1]), int(m[2]), 1)
        elif m := _QUARTER.match(text):
            start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
    except ValueError:
        return None
    return datetime(start.year, start.month, start.day, tzinfo=timezone.utc).timestamp()


def natural_key(label: str) -> tuple:
    """'W2' < 'W10': digit runs compare as numbers, the rest case-insensitively."""
    parts = _DIGITS.split(label.strip().lower())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def order_key(label: str, checked_at: float = 0.0) -> tuple:
    """Sort key of a window: the time its label names, else its label's natural order."""
    moment = label_time(label)
    if moment is not None:
        return (0, moment, (), checked_at)
    return (1, 0.0, natural_key(label), checked_at)


def in_order(windows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Windows (dicts with ``window`` and ``created_at``) sorted by their labels' order."""
    return sorted(windows, key=lambda w: order_key(w["window"], w.get("created_at") or 0.0))


def current_windows(conn, subject: str, columns: str = "id, window, created_at") -> list[dict[str, Any]]:
    """The subject's current (not superseded) windows, in label order."""
    rows = conn.execute(
        f"SELECT {columns} FROM drift_windows WHERE subject = ? AND superseded_at IS NULL", (subject,)
    ).fetchall()
    return in_order(dict(r) for r in rows)
