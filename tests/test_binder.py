"""The mybinder demo opens with its runs: they are recorded in the store that a server
started at the repository root reads."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbops.store import find_store_dir, open_store

ROOT = Path(__file__).resolve().parents[1]


def test_recorded_demo_runs_are_where_a_server_at_the_root_looks(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "binder", repo / "binder")
    env = {k: v for k, v in os.environ.items() if k != "NBOPS_HOME"}
    subprocess.run(["bash", "binder/record", ".", sys.executable], cwd=repo, env=env, check=True, timeout=300)
    served = find_store_dir(repo)  # what the server extension resolves from its root_dir
    assert served == repo / ".nbops"
    runs = open_store(served).runs.search(experiment="churn").runs
    assert len(runs) >= 4 and all(run["status"] == "finished" for run in runs)
    assert not (repo / "binder" / ".nbops").exists()


def test_postbuild_installs_the_demo_not_the_test_tools():
    script = (ROOT / "binder" / "postBuild").read_text()
    assert '".[demo]"' in script and "[test]" not in script
