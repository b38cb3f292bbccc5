"""What an alert rule does besides notifying: retrain the productionized pipeline.

A ``RetrainAction`` names the package nbops wrote (its folder, marked by
``.nbops-package.json``), the parameter that receives the drifted window's data (a file nbops
writes under ``.nbops/retrain/``), where the pipeline runs (``local``: the package's CLI;
``airflow``: its DAG through Airflow's REST API; ``kfp``: its compiled pipeline through
``kfp.Client``) and how often a rule may retrain. Checked field by field: each error names
the bad field, the value and what is valid.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbops.errors import InvalidValueError

TARGETS = ("local", "airflow", "kfp")
FORMATS = ("parquet", "csv")
FIELDS = ("target", "package", "param", "every_minutes", "format", "params", "dag_id", "timeout_minutes")
MANIFEST = ".nbops-package.json"  # productionize's manifest (output_folder.MANIFEST), read without importing it
MAX_MINUTES = 60 * 24 * 366


@dataclass(frozen=True)
class RetrainAction:
    package: str  # the package folder (absolute)
    param: str  # the package parameter that receives the window's data file
    target: str = "local"
    every_minutes: float = 60.0  # at most one retrain per rule in this many minutes
    format: str = "parquet"
    # other parameters, as on the CLI (``param`` itself is always the window's file)
    params: Mapping[str, str] = field(default_factory=dict, hash=False)
    dag_id: str | None = None  # airflow: the DAG to trigger (default: the package name)
    timeout_minutes: float = 60.0  # local: a pipeline running longer is stopped and counts as failed

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "params": dict(self.params)}, sort_keys=True)

    @property
    def package_name(self) -> str:
        return _manifest(Path(self.package))["package"]


def retrain_from_json(body: Any, base: Path | None = None) -> RetrainAction:
    """A ``RetrainAction`` from the rule form's ``retrain`` object; a relative package path
    resolves against ``base`` (the project folder)."""
    if not isinstance(body, Mapping):
        raise InvalidValueError(
            f"retrain {_short(body)} is not valid: use an object such as "
            '{"package": "churn_pipeline", "param": "data_path"}, or null'
        )
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidValueError(f"retrain got unknown fields {unknown}: valid fields are {list(FIELDS)}")
    target = body.get("target", "local")
    if target not in TARGETS:
        raise InvalidValueError(f"retrain target {_short(target)} is not valid: use one of {list(TARGETS)}")
    package = body.get("package")
    if not isinstance(package, str) or not package.strip():
        raise InvalidValueError(
            f"retrain package {_short(package)} is not valid: use the folder of a package "
            "nbops productionized (it holds .nbops-package.json)"
        )
    try:
        folder = Path(package).expanduser()
        folder = ((base or Path.cwd()) / folder).resolve()  # an absolute package stays itself
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a lone surrogate, a symlink loop
        raise InvalidValueError(
            f"retrain package {_short(package)} is not a valid path: use the folder of a package nbops productionized"
        ) from None
    specs = _param_names(folder, package)
    param = body.get("param")
    if not isinstance(param, str) or param not in specs:
        raise InvalidValueError(
            f"retrain param {_short(param)} is not a parameter of package {package!r}: use one of {sorted(specs)}"
        )
    fmt = body.get("format", "parquet")
    if fmt not in FORMATS:
        raise InvalidValueError(f"retrain format {_short(fmt)} is not valid: use one of {list(FORMATS)}")
    extra = body.get("params") or {}
    if not isinstance(extra, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (str, int, float, bool)) for k, v in extra.items()
    ):
        raise InvalidValueError(
            f"retrain params {_short(extra)} is not valid: use an object of parameter name to value"
        )
    wrong = sorted(set(extra) - set(specs))
    if wrong:
        raise InvalidValueError(
            f"retrain params {wrong} are not parameters of the package: use some of "
            f"{sorted(specs)} ({param} is always the window's data file)"
        )
    dag_id = body.get("dag_id")
    if dag_id is not None and (not isinstance(dag_id, str) or not dag_id.strip()):
        raise InvalidValueError(
            f"retrain dag_id {_short(dag_id)} is not valid: use the Airflow DAG id, or null for the package name"
        )
    return RetrainAction(
        package=str(folder),
        param=param,
        target=target,
        format=fmt,
        every_minutes=_minutes(body, "every_minutes", 60.0, lowest=0.0),
        timeout_minutes=_minutes(body, "timeout_minutes", 60.0, lowest=0.1),
        params={k: str(v) for k, v in extra.items()},
        dag_id=dag_id,
    )


def retrain_from_stored(text: str | None) -> RetrainAction | None:
    """The action as the store keeps it (trusted JSON written by ``to_json``)."""
    if not text:
        return None
    data = json.loads(text)
    return RetrainAction(**data)


def _minutes(body: Mapping[str, Any], name: str, default: float, *, lowest: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lowest <= value <= MAX_MINUTES:
        raise InvalidValueError(
            f"retrain {name} {_short(value)} is not valid: use a number of minutes from {lowest:g} to {MAX_MINUTES}"
        )
    return float(value)


def _manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("generator") != "nbops" or not isinstance(data.get("package"), str):
        raise InvalidValueError(
            f"retrain package {_short(str(folder))} is not a package nbops productionized: it has no "
            f"{MANIFEST}; give the folder written by nbops export or Productionize"
        )
    return data


def _param_names(folder: Path, shown: str) -> set[str]:
    """The package's parameters, read from the ``_SPECS`` literal of its params.py (never imported)."""
    package = _manifest(folder)["package"]
    try:
        tree = ast.parse((folder / "src" / package / "params.py").read_text())
    except (OSError, SyntaxError, ValueError):
        raise InvalidValueError(
            f"retrain package {shown!r} has no readable src/{package}/params.py: productionize the notebook again"
        ) from None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_SPECS" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
