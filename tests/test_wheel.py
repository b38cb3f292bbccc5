"""The wheel users install carries the prebuilt lab extension and enables the server
extension by itself: no Node.js and no manual `jupyter ... enable` for users."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_prebuilt_extension_and_server_config(tmp_path):
    # The frontend is already built in this checkout, so the build hook skips Node here.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("nbops-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if ".data/data/" in n]
    prefix = "share/jupyter/labextensions/nbops/"
    assert any(n.endswith(prefix + "package.json") for n in data)
    assert any(prefix + "static/remoteEntry." in n for n in data)
    assert any(n.endswith(prefix + "install.json") for n in data)
    config_name = next(n for n in data if n.endswith("etc/jupyter/jupyter_server_config.d/nbops.json"))
    config = json.loads(zipfile.ZipFile(wheel).read(config_name))
    assert config["ServerApp"]["jpserver_extensions"] == {"nbops": True}
    assert {"nbops/store/__init__.py", "nbops/server/__init__.py", "nbops/magics/__init__.py"} <= set(names)
