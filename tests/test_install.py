"""The installed package wires itself into Jupyter: both extensions enabled and OK."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args: str, tmp_path: Path) -> str:
    """Run a ``jupyter`` subcommand of this interpreter, without the user's own config."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return ANSI.sub("", result.stdout + result.stderr)


def version_pattern() -> str:
    """This checkout's version as a regex (read from package.json, never written here)."""
    return re.escape(json.loads((ROOT / "package.json").read_text())["version"])


def test_lab_extension_is_installed_enabled_and_ok(tmp_path):
    output = jupyter("labextension", "list", tmp_path=tmp_path)
    assert re.search(rf"^\s*nbops v{version_pattern()} enabled\s+OK\b", output, re.MULTILINE), output


def test_server_extension_is_enabled_and_validates(tmp_path):
    output = jupyter("server", "extension", "list", tmp_path=tmp_path)
    assert re.search(r"^\s*nbops enabled\s*$", output, re.MULTILINE), output
    assert re.search(rf"^\s*nbops {version_pattern()} OK\s*$", output, re.MULTILINE), output


def test_frontend_and_python_versions_agree():
    """The sidebar compares versions with the server; a release must bump both."""
    import nbops

    package = json.loads((ROOT / "package.json").read_text())
    tokens = (ROOT / "labextension" / "src" / "tokens.ts").read_text()
    frontend = re.search(r"FRONTEND_VERSION = '([^']+)'", tokens)
    assert frontend, "FRONTEND_VERSION missing from labextension/src/tokens.ts"
    assert package["version"] == frontend.group(1) == nbops.__version__


def test_every_settings_schema_belongs_to_a_plugin():
    """Lab finds a plugin's settings at <schemaDir>/<id after the colon>.json: a schema
    whose plugin id no plugin declares is never loaded."""
    package = json.loads((ROOT / "package.json").read_text())
    schemas = sorted((ROOT / package["jupyterlab"]["schemaDir"]).glob("*.json"))
    plugins = "\n".join(p.read_text() for p in (ROOT / "labextension" / "src" / "plugins").glob("*.ts"))
    assert schemas
    for schema in schemas:
        assert json.loads(schema.read_text())["type"] == "object"
        assert f"'nbops:{schema.stem}'" in plugins, f"no plugin has the id nbops:{schema.stem} of {schema.name}"
