import sqlite3
import subprocess
import sys

from nbops.store import Store, find_store_dir
from nbops.store.migrations import migrations
from nbops.store.schema_version import SCHEMA_VERSION


def test_schema_version_counts_the_migrations():
    assert len(migrations._migrations) == SCHEMA_VERSION


def test_a_new_store_is_wal_and_readable_by_plain_sqlite(tmp_path):
    store = Store(tmp_path / ".nbops")
    run_id = store.runs.create("exp", params={"lr": 0.1})
    conn = sqlite3.connect(tmp_path / ".nbops" / "nbops.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT key, value FROM params WHERE run_id = ?", (run_id,)).fetchall() == [("lr", "0.1")]


def test_reopening_an_up_to_date_store_does_not_import_sqlite_utils(tmp_path):
    Store(tmp_path / ".nbops").close()
    code = (
        "import sys; from nbops.store import Store; "
        f"Store({str(tmp_path / '.nbops')!r}); print('sqlite_utils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_store_is_found_by_walking_up_like_git(tmp_path, monkeypatch):
    monkeypatch.delenv("NBOPS_HOME", raising=False)
    (tmp_path / ".nbops").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_store_dir(deep) == tmp_path / ".nbops"
    other = tmp_path.parent / (tmp_path.name + "-other")
    other.mkdir()
    assert find_store_dir(other) == other / ".nbops"
    monkeypatch.setenv("NBOPS_HOME", str(other / "custom"))
    assert find_store_dir(deep) == other / "custom"


def test_a_store_from_a_newer_nbops_is_refused_clearly(tmp_path):
    import pytest

    from nbops.errors import StoreError

    Store(tmp_path / ".nbops").close()
    conn = sqlite3.connect(tmp_path / ".nbops" / "nbops.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this nbops"):
        Store(tmp_path / ".nbops")
