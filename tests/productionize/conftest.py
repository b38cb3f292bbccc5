"""Makes the fixture-notebook builders importable whatever pytest's import mode."""

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def orchestrated(tmp_path_factory):
    """The training fixture exported once, by ``nbops export --target kfp --target airflow``; the
    result's JSON with attribute access (``package``, ``package_dir``, ``requirements``, ``to_dict()``)."""
    import importlib.util
    import json
    import os
    import subprocess
    from pathlib import Path
    from types import SimpleNamespace

    import nbformat
    import pipeline_notebooks as nbs

    # without the kfp extra (outside CI) the KFP tests skip; the Airflow ones still run
    kfp = os.environ.get("CI") == "true" or importlib.util.find_spec("kfp") is not None
    workspace = tmp_path_factory.mktemp("orchestrated")
    nb = nbs.training()
    # Kale's resource tags on the train step's cell: its KFP task asks for them
    train = next(c for c in nb.cells if "step:train" in c.metadata.get("tags", []))
    train.metadata["tags"] += ["limit:nvidia.com/gpu:1", "limit:memory:2Gi"]
    nbformat.write(nb, workspace / "training.ipynb")
    targets = ["--target", "kfp", "--target", "airflow"] if kfp else ["--target", "airflow"]
    nbops = Path(sys.executable).with_name("nbops")
    done = subprocess.run(
        [str(nbops), "export", "training.ipynb", "-o", "pkg", *targets, "--no-test", "--json"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=900,
    )
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["ok"], (data["diagnostics"], done.stderr[-2000:])
    return SimpleNamespace(**data, to_dict=lambda: data)
