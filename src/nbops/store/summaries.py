"""The per-run summary cache: params, latest metrics and tags of a run as one JSON text.

Listing 1,000 runs used to assemble 20,000 child values per page from three tables. A
finished run's children rarely change, so its run end stores them as one JSON array in
``runs.summary``; a page then parses one document built by joining those texts. The
change-feed triggers (migration 0004) reset ``summary`` to NULL whenever a child row of the
run changes, and a NULL summary is assembled from the tables at read time, so the cache can
be stale only by being absent.

Runs with a NaN or infinite latest metric keep no summary: JSON cannot hold those values,
and the read-time path gives them back as floats.

Listings and the change feed carry at most ``MAX_LISTED_VALUE`` characters of a param or tag
value: a longer one is cut there and ends with "…" (so a listed value of exactly
``MAX_LISTED_VALUE + 1`` characters ending in "…" was cut). A run read by id carries every
value in full. Summaries hold the listed (cut) values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .values import read_float

if TYPE_CHECKING:
    import sqlite3

MAX_LISTED_VALUE = 1_000


def cut(column: str) -> str:
    """SQL of text ``column`` as listed: at most MAX_LISTED_VALUE characters, then "…"."""
    # One 100 MB param once made every page of runs and every change-feed answer 100 MB.
    return (
        f"CASE WHEN length({column}) > {MAX_LISTED_VALUE} "
        f"THEN substr({column}, 1, {MAX_LISTED_VALUE}) || '…' ELSE {column} END"
    )


def was_cut(run: dict[str, Any]) -> bool:
    """Whether a listed run lost the end of a param or tag value (read it by id for them all)."""
    return any(
        isinstance(value, str) and len(value) == MAX_LISTED_VALUE + 1 and value.endswith("…")
        for field in ("params", "tags")
        for value in (run.get(field) or {}).values()
    )


_LISTED_TEXT = cut("value")
# JSON has no infinity (SQLite would write a bare Inf), so infinite metrics travel as text.
# A finite value is written with 17 significant digits: SQLite's JSON writes 15, which changed
# 0.7954325675964355 into 0.795432567596436; 17 digits read back as the logged double.
_METRIC = (
    "CASE WHEN value IS NULL THEN NULL WHEN abs(value) > 1.7976931348623157e308 THEN CAST(value AS TEXT) "
    "ELSE json(printf('%!.17g', value)) END"
)
_CHILD = "json(COALESCE((SELECT json_group_object(key, {value}) FROM {table} WHERE run_id = r.id), '{{}}'))"


def _children(text: str) -> str:
    """SQL of ``[params, metrics, tags]`` of run ``r``; ``text`` is the SQL of a param or tag value."""
    return (
        "json_array("
        + _CHILD.format(value=text, table="params")
        + ", "
        + _CHILD.format(value=_METRIC, table="latest_metrics")
        + ", "
        + _CHILD.format(value=text, table="tags")
        + ")"
    )


_NON_FINITE = (
    "EXISTS (SELECT 1 FROM latest_metrics WHERE run_id = r.id "
    "AND (value IS NULL OR abs(value) > 1.7976931348623157e308))"
)
_STORE_SQL = f"UPDATE runs AS r SET summary = CASE WHEN {_NON_FINITE} THEN NULL ELSE {_children(_LISTED_TEXT)} END"
_ASSEMBLE_SQL = {  # listed (values cut) or not -> the query
    listed: "SELECT json_group_array(json_array(r.id, "
    + _children(_LISTED_TEXT if listed else "value")
    + ")) FROM runs r WHERE r.id IN ({marks})"
    for listed in (True, False)
}


def store_summary(conn: sqlite3.Connection, run_id: str) -> None:
    """Cache ``run_id``'s children; call it last in a transaction that wrote them."""
    conn.execute(_STORE_SQL + " WHERE r.id = ?", (run_id,))


def store_all_summaries(conn: sqlite3.Connection, where: str = "1") -> None:
    """Cache the children of every run that is no longer running and matches ``where``
    (used by migrations)."""
    conn.execute(_STORE_SQL + f" WHERE r.status != 'running' AND ({where})")


def attach_children(
    conn: sqlite3.Connection, runs: list[dict[str, Any]], summaries: list[str | None], listed: bool = True
) -> list[dict[str, Any]]:
    """Set ``params``, ``metrics`` and ``tags`` on each run from its cached summary, or
    from the tables when it has none. ``listed`` cuts long values (see the module's text);
    pass ``False`` with no summaries for a run's every value in full."""
    cached = [(run, text) for run, text in zip(runs, summaries) if text is not None]
    if cached:
        children = _parse("[" + ",".join(text for _, text in cached) + "]")
        for (run, _), (params, metrics, tags) in zip(cached, children):
            run["params"], run["metrics"], run["tags"] = params, metrics, tags
    if len(cached) < len(runs):
        _assemble(conn, [run for run, text in zip(runs, summaries) if text is None], listed)
    return runs


def _assemble(conn: sqlite3.Connection, runs: list[dict[str, Any]], listed: bool) -> None:
    by_id = {run["id"]: run for run in runs}
    cursor = conn.cursor()
    cursor.row_factory = None
    sql = _ASSEMBLE_SQL[listed].replace("{marks}", ",".join("?" * len(by_id)))
    for run_id, (params, metrics, tags) in _parse(cursor.execute(sql, list(by_id)).fetchone()[0]):
        run = by_id[run_id]
        run["params"], run["tags"] = params, tags
        # NaN was stored as NULL and infinities came as text: give both back as floats
        if not all(type(v) is float for v in metrics.values()):
            metrics = {k: read_float(v) if v is None or type(v) is str else float(v) for k, v in metrics.items()}
        run["metrics"] = metrics


def _parse(text: str) -> list[Any]:
    # orjson reads a page of summaries about 4× faster than json (the floats dominate);
    # imported here, not at the top, so that `import nbops` stays cheap.
    import orjson

    parsed: list[Any] = orjson.loads(text)  # a JSON array of [id, params, metrics, tags]
    return parsed
