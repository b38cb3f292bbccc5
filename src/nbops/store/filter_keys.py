"""Why a filter matched nothing: the keys it names that no run has, with the closest known key.

A typo in ``params.alpah`` is valid syntax and silently matches no run; the sidebar shows
this notice instead ("no run has param 'alpah' — did you mean 'alpha'?").
"""

from __future__ import annotations

import difflib
import re

from .database import Database

_STRING = re.compile(r"'(?:[^']|'')*'")
_FIELD = re.compile(r"\b(metrics|params|tags)\.(`[^`]+`|[\w\-./]+)")
_TABLE = {"metrics": "latest_metrics", "params": "params", "tags": "tags"}
_NOUN = {"metrics": "metric", "params": "param", "tags": "tag"}
_KNOWN_KEYS = 10_000  # suggestions look at this many distinct keys at most


def unknown_key_notice(db: Database, filter: str | None) -> str | None:
    """A sentence about the first key of ``filter`` that no run has, or None."""
    if not filter:
        return None
    conn = db.connection()
    for family, raw in _FIELD.findall(_STRING.sub("''", filter)):
        key = raw[1:-1] if raw.startswith("`") else raw
        table = _TABLE[family]
        if conn.execute(f"SELECT 1 FROM {table} WHERE key = ? LIMIT 1", (key,)).fetchone():
            continue
        known = [row[0] for row in conn.execute(f"SELECT DISTINCT key FROM {table} LIMIT {_KNOWN_KEYS}")]
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        return f"no run has {_NOUN[family]} '{key}'" + (f" — did you mean '{close[0]}'?" if close else "")
    return None
