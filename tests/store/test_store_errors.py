"""A broken, foreign, read-only or full store file gives an nbops error naming the path and what
to do; bad values give InvalidValueError; nothing raw from sqlite3 or Python escapes."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from nbops.errors import InvalidMetricError, InvalidValueError, NbopsError, StoreError
from nbops.store import Store
from nbops.store.database import APPLICATION_ID
from nbops.store.values import metric_value, param_number, param_text


def _db(root):
    return root / ".nbops" / "nbops.db"


def test_a_file_that_is_not_a_database_is_a_store_error_naming_the_path(tmp_path):
    _db(tmp_path).parent.mkdir()
    _db(tmp_path).write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / ".nbops")
    message = str(caught.value)
    assert str(_db(tmp_path)) in message and "not a database" in message and "NBOPS_HOME" in message


def test_a_damaged_page_inside_a_store_is_a_store_error_on_read(tmp_path):
    store = Store(tmp_path / ".nbops")
    for _i in range(300):
        store.runs.create("exp", params={f"p{j}": "x" * 50 for j in range(5)})
    store.db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(_db(tmp_path).read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # every page but the header's: the b-trees
        data[offset : offset + 64] = b"\xff" * 64
    _db(tmp_path).write_bytes(bytes(data))
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / ".nbops").runs.search(limit=1000)
    assert str(_db(tmp_path)) in str(caught.value) and "malformed" in str(caught.value)


def test_a_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path):
    path = _db(tmp_path)
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, who TEXT)")
    conn.execute("INSERT INTO runs (who) VALUES ('someone else')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / ".nbops")
    assert str(path) in str(caught.value) and "did not create" in str(caught.value) and "runs" in str(caught.value)
    assert path.read_bytes() == before  # no WAL switch, no migration, no application id
    assert sorted(p.name for p in path.parent.iterdir()) == ["nbops.db"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("runs",)]


def test_a_new_store_carries_the_nbops_application_id_and_an_older_one_is_adopted(tmp_path):
    Store(tmp_path / ".nbops").close()
    conn = sqlite3.connect(_db(tmp_path))
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.execute("PRAGMA application_id = 0")  # as a store written before the id existed
    conn.close()
    Store(tmp_path / ".nbops").runs.create("exp")
    assert sqlite3.connect(_db(tmp_path)).execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_full_disk_is_a_store_error_and_the_store_stays_usable(tmp_path):
    store = Store(tmp_path / ".nbops")
    kept = store.runs.create("exp", params={"lr": 0.1})
    conn = store.db.connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL, as on a full disk
    with pytest.raises(StoreError) as caught:
        store.runs.create("exp", params={f"p{i}": "x" * 1000 for i in range(200)})
    assert "database or disk is full" in str(caught.value) and "free space" in str(caught.value)
    assert str(_db(tmp_path)) in str(caught.value)
    conn.execute("PRAGMA max_page_count = 4294967294")
    assert store.runs.get(kept)["params"] == {"lr": "0.1"}
    store.runs.create("exp")  # the failed transaction left no lock and no half-written run
    assert len(store.runs.search("exp").runs) == 2


READ_ONLY = """
import os, sys
from nbops.store import Store
from nbops.errors import StoreError
Store(sys.argv[1]).runs.create('exp')  # lazy imports done as root, who may read the interpreter's files
os.setgid(int(sys.argv[2]))
os.setuid(int(sys.argv[3]))
try:
    Store(sys.argv[1]).runs.create('exp')
except StoreError as exc:
    print(exc)
"""


@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() != 0, reason="needs root (POSIX) to become another user")
def test_a_read_only_store_is_a_store_error_saying_what_to_do(python_env):
    # root may write any file, so the child becomes a user that may read the store but not write it;
    # pytest's tmp_path lies under a folder only root may enter
    tmp_path = Path(tempfile.mkdtemp(prefix="nbops-read-only-"))
    try:
        _read_only(tmp_path, python_env)
    finally:
        shutil.rmtree(tmp_path)


def _read_only(tmp_path, python_env):
    import pwd

    Store(tmp_path / ".nbops").runs.create("exp")
    for path in [tmp_path, tmp_path / ".nbops", *(tmp_path / ".nbops").iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    nobody = pwd.getpwnam("nobody")
    out = subprocess.run(
        [sys.executable, "-c", READ_ONLY, str(tmp_path / ".nbops"), str(nobody.pw_gid), str(nobody.pw_uid)],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert str(_db(tmp_path)) in out.stdout, out.stdout
    assert "readonly" in out.stdout or "unable to open" in out.stdout, out.stdout
    assert "write" in out.stdout.split(";")[-1], out.stdout


def test_huge_numbers_and_mixed_keys_are_nbops_errors_or_stored(store):
    with pytest.raises(InvalidValueError, match="1.8e308"):
        metric_value("loss", 10**400)
    assert param_number(10**400) is None and param_text(10**400) == str(10**400)
    with pytest.raises(InvalidValueError, match="4,300 digits"):
        param_text(10**5000)
    run_id = store.runs.create("exp", params={"layers": {1: 64, "out": 10, None: 0}, "big": 10**400})
    params = store.runs.get(run_id)["params"]
    assert params["layers"] == '{"1": 64, "None": 0, "out": 10}' and params["big"] == str(10**400)
    loop: list = []
    loop.append(loop)
    with pytest.raises(InvalidValueError, match="cannot be written as JSON"):
        store.runs.create("exp", params={"loop": loop})


def test_every_error_above_is_an_nbops_error():
    assert issubclass(StoreError, NbopsError) and issubclass(InvalidMetricError, NbopsError)


FCNTL_FREE = """
import os, sys
sys.modules['fcntl'] = None  # as on Windows: importing it fails
del os.register_at_fork, os.fork  # Windows has no fork
import nbops
from nbops.store import open_store
with nbops.start_run('portable', params={'lr': 0.1}) as run:
    nbops.log_metric('loss', 0.5, step=1)
run = open_store().runs.search('portable').runs[0]
assert run['params'] == {'lr': '0.1'} and run['metrics'] == {'loss': 0.5}, run
assert open_store().runs.mark_crashed() == []
assert 'fcntl' not in [m for m in sys.modules if sys.modules[m] is not None]
print('ok')
"""


def test_the_store_works_without_fcntl_or_fork(project, python_env):
    out = subprocess.run(
        [sys.executable, "-c", FCNTL_FREE], env=python_env, cwd=project, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "ok", out.stderr[-3000:]
