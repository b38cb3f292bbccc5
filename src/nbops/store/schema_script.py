"""A new store in one SQL script, derived from the migrations.

The migrations (``migrations.py``) stay the one source of truth. Running them needs
sqlite-utils, whose import also loads pandas and numpy when installed: about a second, paid
by the first ``start_run`` of every new project. ``schema.sql`` is what the migrations build
on an empty database (its tables, indexes, triggers, rows and migration records), so a new
store is created from it without importing sqlite-utils; an existing store still migrates
step by step. A test regenerates the script and fails when the checked-in one differs:

    python -m nbops.store.schema_script > src/nbops/store/schema.sql
"""

from __future__ import annotations

import sqlite3
from importlib.resources import files

SCRIPT = "schema.sql"
_KINDS = ("table", "index", "view", "trigger")  # creation order: triggers name their tables
# sqlite-utils records when each migration ran in this text form (UTC, microseconds)
_APPLIED_AT = "strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')"


def apply(conn: sqlite3.Connection) -> None:
    """Create every object of a new store, inside the caller's transaction."""
    statement = ""
    for line in files(__package__).joinpath(SCRIPT).read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("--"):
            continue
        statement += line
        if sqlite3.complete_statement(statement):  # a trigger body holds ';' of its own
            conn.execute(statement)
            statement = ""


def generate() -> str:
    """The script: the migrations applied to an empty in-memory database, dumped."""
    from sqlite_utils import Database

    from .migrations import migrations

    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.apply(Database(conn))
    lines = ["-- Generated from nbops/store/migrations.py by `python -m nbops.store.schema_script`: do not edit.\n"]
    for kind in _KINDS:
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            (kind,),
        ):
            lines.append(sql + ";\n")  # unchanged, so the two stores match byte for byte
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ):
        lines.extend(_rows(conn, table))
    return "".join(lines)


def _rows(conn: sqlite3.Connection, table: str) -> list[str]:
    try:
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: its primary key orders it
        cursor = conn.execute(f'SELECT * FROM "{table}"')
    columns = [d[0] for d in cursor.description]
    statements = []
    for row in cursor:
        values = [
            _APPLIED_AT if table == "_sqlite_migrations" and column == "applied_at" else _literal(value)
            for column, value in zip(columns, row)
        ]
        statements.append(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join(values)});\n')
    return statements


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


if __name__ == "__main__":
    print(generate(), end="")
