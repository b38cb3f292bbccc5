"""The cached test venvs: built once for their requirements and reused; an unfinished build is redone."""

from __future__ import annotations

import subprocess

import pytest
from cached_venv import CachedVenv

SIX = "six==1.17.0"  # a one-module package: the build costs a venv and a download of 11 kB


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_TEST_CACHE", str(tmp_path))
    return tmp_path


def installed_six(venv: CachedVenv) -> str:
    code = "import six; print(six.__version__)"
    return subprocess.run(
        [str(venv.executable()), "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_a_venv_is_built_once_reused_and_an_unfinished_build_redone(cache):
    venv = CachedVenv("six", (SIX,)).ensure()

    assert venv.folder.parent == cache and venv.ready()
    assert installed_six(venv) == "1.17.0"
    # compiled at install time, so a test's first import costs what every later one does
    assert list((venv.folder / "lib").glob("python3.*/site-packages/__pycache__/six.*.pyc"))
    marker = venv.folder / ".nbops-ready"
    built_at = marker.stat().st_mtime_ns
    assert CachedVenv("six", (SIX,)).ensure().folder == venv.folder
    assert marker.stat().st_mtime_ns == built_at  # reused, not rebuilt

    marker.unlink()  # as when an install is interrupted before the marker
    assert not venv.ready()
    assert installed_six(venv.ensure()) == "1.17.0" and venv.ready()
