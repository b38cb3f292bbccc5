"""The package's tests: every step must reproduce its recorded outputs, plus the `test` cells."""

from __future__ import annotations

from .codegen import HEADER, indent, marker

__all__ = ["test_modules"]

CONFTEST = '''"""Shared fixtures: one pipeline run with default parameters, and the golden recording."""

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def golden():
    return json.loads((GOLDEN / "fingerprints.json").read_text())


@pytest.fixture(scope="session")
def result(golden, tmp_path_factory):
    """The pipeline run; ``result.boundary[step][name]`` is what differed from the recording when
    ``step`` returned (None: nothing), checked before a later step can change the value in place.

    It is tracked, as the notebook's clean runs were, into a store of its own: a run id or a
    registered model version the steps return is then what the notebook got, never None, and
    the tests never write to the user's store."""
    os.environ["NBOPS_HOME"] = str(tmp_path_factory.mktemp("nbops-store"))
    os.environ["NBOPS_TRACKING"] = "1"
    from __PKG__ import Params, run
    from __PKG__._fingerprint import assert_reproduces

    boundary = {}

    def check(step, values):
        boundary[step] = {}
        for name, expected in golden["steps"].get(step, {}).get("outputs", {}).items():
            if name not in values:
                boundary[step][name] = f"step {step} did not return {name}"
                continue
            try:
                assert_reproduces(expected, values[name], GOLDEN)
                boundary[step][name] = None
            except AssertionError as exc:
                boundary[step][name] = str(exc)

    outcome = run(Params(), on_step=check)
    outcome.boundary = boundary
    return outcome
'''


def test_modules(plan, recording, notebook: str) -> dict[str, str]:
    files = {
        "tests/conftest.py": CONFTEST.replace("__PKG__", plan.package),
        "tests/test_steps.py": _steps_tests(plan, recording, notebook),
        "tests/test_params.py": _params_tests(plan, notebook),
    }
    if plan.tests:
        files["tests/test_cells.py"] = _cell_tests(plan, notebook)
    return files


def _steps_tests(plan, recording, notebook: str) -> str:
    out = [
        HEADER.format(
            doc="Each step must reproduce the values recorded from a clean run of the notebook.", notebook=notebook
        ),
        "import pytest\n\n",
    ]
    for name in plan.order:
        recorded = list(recording.steps.get(name, {}).get("outputs", {}))
        if not recorded:
            continue
        function = plan.steps[name].function
        out.append(
            f'\n@pytest.mark.parametrize("name", {recorded!r})\n'
            f"def test_{function}_reproduces_the_notebook(result, name):\n"
            f"    problem = result.boundary[{name!r}][name]\n"
            f'    assert problem is None, f"step {name}, output {{name}}: {{problem}}"\n\n'
        )
    unstable = {
        n
        for entry in recording.steps.values()
        for n, fp in entry.get("outputs", {}).items()
        if fp.get("nondeterministic") or fp.get("timing")
    }
    stable = [n for n in recording.metrics if n not in unstable]  # a timing or unseeded metric differs per run
    if stable:
        out.append(
            "\ndef test_metrics_match_the_notebook(result, golden):\n"
            f"    names = {stable!r}\n"
            "    assert {n: result.metrics[n] for n in names} == pytest.approx(\n"
            '        {n: golden["metrics"][n] for n in names}, rel=1e-7)\n'
        )
    return "".join(out)


def _params_tests(plan, notebook: str) -> str:
    defaults = {p.name: p.default for p in plan.params}
    out = [
        HEADER.format(
            doc="Parameters keep the notebook's defaults, cast values and reject unknown names.", notebook=notebook
        ),
        f"import pytest\n\nfrom {plan.package} import Params\n\n\n",
        "def test_defaults_are_the_notebook_values():\n",
        f"    assert Params().to_dict() == {defaults!r}\n\n\n",
        "def test_unknown_parameter_is_rejected():\n",
        '    with pytest.raises(ValueError, match="unknown parameter"):\n',
        '        Params.from_mapping({"no_such_parameter": 1})\n',
    ]
    castable = next((p for p in plan.params if p.type in {"int", "float"}), None)
    if castable:
        out.append(
            f"\n\ndef test_strings_are_cast_to_the_parameter_type():\n"
            f'    params = Params.from_mapping({{{castable.name!r}: "3"}})\n'
            f"    assert params.{castable.name} == {castable.type}(3)\n"
            f"    assert isinstance(params.{castable.name}, {castable.type})\n"
        )
    return "".join(out)


def _cell_tests(plan, notebook: str) -> str:
    setup = sorted({n for t in plan.tests for n in t.setup_names})
    library = sorted({n for t in plan.tests for n in t.library_names})
    out = [
        HEADER.format(
            doc="Tests from the notebook's `test` cells, run against the pipeline's outputs.", notebook=notebook
        ),
        f"from {plan.package} import Params  # noqa: F401\n",
    ]
    if setup:
        out.append(f"from {plan.package}.common import {', '.join(setup)}  # noqa: F401\n")
    if library:
        out.append(f"from {plan.package}.lib import {', '.join(library)}  # noqa: F401\n")
    for test in plan.tests:
        cell = test.code.cell
        out.append(f"\n\ndef test_cell_{cell.index}(result):\n")
        out.append(f'    """Notebook cell {cell.index} (id {cell.id or "-"})."""\n')
        for name, producer in test.inputs.items():
            out.append(f"    {name} = result.outputs[{producer!r}][{name!r}]\n")
        for name in test.params:
            out.append(f"    {name} = result.params.{name}\n")
        out.append(indent(marker(test.code, "test")) + "\n" + (indent(test.code.source.rstrip()) or "    pass") + "\n")
    return "".join(out)
