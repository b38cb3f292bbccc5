import subprocess

import pytest


@pytest.fixture
def git_project(project):
    """The project folder as a git repository with one commit: ``train.py`` printing 1."""
    (project / "train.py").write_text("print(1)\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "train.py"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=project, check=True)
    return project
