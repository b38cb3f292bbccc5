"""CI for the generated package: the workflow files parse, hold one job per check, and every
command they run succeeds in the generated package, here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nbops.productionize.targets.ci import INSTALL, checks

JOBS = ["lint", "test", "smoke"]


@pytest.fixture(scope="module")
def package(orchestrated) -> Path:
    return Path(orchestrated.package_dir)


def test_github_workflow_runs_install_then_one_check_per_job(package, orchestrated):
    workflow = yaml.safe_load((package / ".github/workflows/pipeline.yml").read_text())
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    assert list(workflow["jobs"]) == JOBS
    for check in checks(orchestrated.package):
        steps = workflow["jobs"][check.job]["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@")
        assert steps[1]["with"]["python-version"].count(".") == 1
        assert [s["run"] for s in steps[2:]] == [INSTALL, check.command]


def test_gitlab_ci_runs_the_same_commands(package, orchestrated):
    pipeline = yaml.safe_load((package / ".gitlab-ci.yml").read_text())
    assert pipeline["default"]["before_script"] == [INSTALL]
    assert pipeline["image"].startswith("python:3.")
    assert [(job, pipeline[job]["script"]) for job in JOBS] == [
        (c.job, [c.command]) for c in checks(orchestrated.package)
    ]


def test_the_workflow_files_are_listed_in_the_manifest(package):
    import json

    listed = json.loads((package / ".nbops-package.json").read_text())["files"]
    assert {".github/workflows/pipeline.yml", ".gitlab-ci.yml"} <= set(listed)


@pytest.mark.parametrize("job", JOBS)
def test_each_ci_command_succeeds_in_the_generated_package(package, orchestrated, job):
    (command,) = [c.command for c in checks(orchestrated.package) if c.job == job]
    # Stands in for the install step: the package's src on the path, this venv's python and ruff.
    env = {
        **os.environ,
        "PYTHONPATH": str(package / "src"),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    env.pop("NBOPS_HOME", None)
    done = subprocess.run(command, shell=True, cwd=package, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_the_lint_job_fails_on_an_undefined_name(package, orchestrated, tmp_path):
    import shutil

    copy = shutil.copytree(package, tmp_path / "pkg")
    steps = copy / "src" / orchestrated.package / "steps.py"
    steps.write_text(steps.read_text() + "\n\ndef broken():\n    return undefined_name\n")
    (command,) = [c.command for c in checks(orchestrated.package) if c.job == "lint"]
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run(command, shell=True, cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "undefined_name" in done.stdout
