"""A new store is created from schema.sql, the migrations' result in one script, without
importing sqlite-utils; the script must stay exactly what the migrations build."""

import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database as UtilsDatabase

from nbops.store import Store, schema_script
from nbops.store.migrations import migrations
from nbops.store.schema_version import SCHEMA_VERSION

SCRIPT = Path(schema_script.__file__).with_name(schema_script.SCRIPT)


def test_the_checked_in_script_is_what_the_migrations_build():
    assert SCRIPT.read_text(encoding="utf-8") == schema_script.generate(), (
        "schema.sql is out of date with the migrations: run "
        "`python -m nbops.store.schema_script > src/nbops/store/schema.sql`"
    )


def _shape(path) -> tuple:
    conn = sqlite3.connect(path)
    objects = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=str)
    tables = [name for kind, name, _, _ in objects if kind == "table" and not name.startswith("sqlite_")]
    rows = {t: sorted(map(str, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables if t != "_sqlite_migrations"}
    applied = [
        r[:2] for r in conn.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY id")
    ]
    return objects, rows, applied, conn.execute("PRAGMA user_version").fetchone()[0]


def test_a_store_made_from_the_script_equals_one_made_by_the_migrations(tmp_path):
    Store(tmp_path / "script" / ".nbops").close()
    migrated = tmp_path / "migrated.db"
    conn = sqlite3.connect(migrated, isolation_level=None)
    migrations.apply(UtilsDatabase(conn))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.close()
    assert _shape(tmp_path / "script" / ".nbops" / "nbops.db") == _shape(migrated)
    applied_at = (
        sqlite3.connect(tmp_path / "script" / ".nbops" / "nbops.db")
        .execute("SELECT applied_at FROM _sqlite_migrations LIMIT 1")
        .fetchone()[0]
    )
    assert applied_at.endswith("+00:00") and len(applied_at) == len("2026-12-03 06:00:00.123000+00:00")


def test_a_store_made_from_the_script_takes_later_migrations(tmp_path):
    Store(tmp_path / ".nbops").close()
    conn = sqlite3.connect(tmp_path / ".nbops" / "nbops.db")
    assert [p.name for p in migrations.pending(UtilsDatabase(conn))] == []


def test_creating_a_new_store_does_not_import_sqlite_utils(tmp_path):
    code = (
        f"import sys; from nbops.store import Store; s = Store({str(tmp_path / '.nbops')!r}); "
        "s.runs.create('exp'); print('sqlite_utils' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
