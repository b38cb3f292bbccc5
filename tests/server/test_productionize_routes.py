"""Routes of the Lab's Productionize view: analysis, job start with its refusals, job polling.

One end-to-end job runs a real kernel (two clean runs, the package's own run and pytest).
"""

import asyncio
import json
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from tornado.httpclient import HTTPClientError


def code(source: str, *tags: str):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def write(root, name, *cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return name


def small(root, name="small.ipynb"):
    """parameters, setup, two steps joined by a data edge, metrics: converts in seconds."""
    return write(
        root,
        name,
        new_markdown_cell("# Small"),
        code("n = 5", "parameters"),
        code("import statistics", "setup"),
        code("values = [i * i for i in range(n)]", "step:load"),
        code("mean = statistics.mean(values)", "step:summarize"),
        code("score = mean / 10", "metrics"),
    )


def with_cd(root, name="moves.ipynb"):
    return write(root, name, code("%cd data\nrows = [1, 2]", "step:load"), code("total = sum(rows)", "step:sum"))


async def call(jp_fetch, method, *parts, body=None):
    response = await jp_fetch(
        "nbops",
        "api",
        *parts,
        method=method,
        body=None if body is None else (body if isinstance(body, str) else json.dumps(body)),
    )
    return response.code, json.loads(response.body)


async def error_of(jp_fetch, *parts, method="POST", body=None):
    with pytest.raises(HTTPClientError) as caught:
        await call(jp_fetch, method, *parts, body=body)
    answer = json.loads(caught.value.response.body)
    assert set(answer) == {"message", "reason"}
    return caught.value.code, answer["message"]


async def test_analysis_gives_steps_edges_roles_and_defaults(jp_fetch, project, jp_root_dir):
    path = small(jp_root_dir, "nbs/small.ipynb")
    code_, plan = await call(jp_fetch, "POST", "productionize", "analysis", body={"path": path})
    assert code_ == 200 and plan["notebook"] == path and plan["default_out_dir"] == "nbs/small_pipeline"
    assert plan["dag"]["order"] == ["load", "summarize", "metrics"]
    edges = {(e["from"], e["to"]): e["names"] for e in plan["dag"]["edges"]}
    assert edges[("load", "summarize")] == ["values"] and edges[("summarize", "metrics")] == ["mean"]
    roles = {c["id"]: (c["role"], c["step"]) for c in plan["cells"]}
    assert roles == {
        "cell-1": ("parameters", None),
        "cell-2": ("setup", None),
        "cell-3": ("step", "load"),
        "cell-4": ("step", "summarize"),
        "cell-5": ("step", "metrics"),
    }
    assert plan["diagnostics"] == [] and plan["untagged"] == []


async def test_analysis_anchors_diagnostics_to_cells_and_lists_needed_untagged_cells(jp_fetch, project, jp_root_dir):
    path = with_cd(jp_root_dir)
    _, plan = await call(jp_fetch, "POST", "productionize", "analysis", body={"path": path})
    cd = [d for d in plan["diagnostics"] if d["code"] == "NB203"]
    assert len(cd) == 1 and cd[0]["cell_id"] == "cell-0" and cd[0]["line"] == 1 and cd[0]["severity"] == "error"
    assert cd[0]["suggestion"]

    path = write(jp_root_dir, "untagged.ipynb", code("rows = [1, 2]"), code("total = sum(rows)", "step:sum"))
    _, plan = await call(jp_fetch, "POST", "productionize", "analysis", body={"path": path})
    assert plan["untagged"] == [{"index": 0, "id": "cell-0", "names": ["rows"], "read_by": [1]}]
    assert [(d["code"], d["cell_id"]) for d in plan["diagnostics"]] == [("NB301", "cell-1")]


async def test_analysis_of_unsaved_content_uses_the_editor_tags(jp_fetch, project, jp_root_dir):
    path = small(jp_root_dir)
    content = nbformat.read(jp_root_dir / path, as_version=4)
    content.cells[4].metadata.tags = ["step:load"]  # joined into load in the editor, not yet saved
    _, plan = await call(jp_fetch, "POST", "productionize", "analysis", body={"path": path, "content": content})
    assert plan["dag"]["order"] == ["load", "metrics"] and plan["package"] == "small_pipeline"
    status, message = await error_of(
        jp_fetch, "productionize", "analysis", body={"path": path, "content": {"cells": 3}}
    )
    assert status == 400 and "content is not a valid notebook" in message


@pytest.mark.parametrize("route", [("productionize", "analysis"), ("productionize",)])
@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "needs the field 'path'"),
        ({"path": ""}, 'path="" is not valid: expected notebook path relative to the server root'),
        ({"path": 3}, "path=3 is not valid: use a string"),
        (
            {"path": "../outside.ipynb"},
            'path="../outside.ipynb" is not valid: expected notebook path relative to the server root',
        ),
        (
            {"path": "a/./b.ipynb"},
            'path="a/./b.ipynb" is not valid: expected notebook path relative to the server root',
        ),
        (
            {"path": "/etc/passwd"},
            'path="/etc/passwd" is not valid: expected notebook path relative to the server root',
        ),
        ({"path": "x" * 300 + ".ipynb"}, "not a usable path"),
        ({"path": "data.csv"}, 'path="data.csv" is not valid: expected notebook path relative to the server root'),
        ({"path": "broken.ipynb"}, "not a readable notebook"),
        ("{not json", "not valid JSON"),
        ({"path": "small.ipynb", "colour": 1}, "unknown field(s) 'colour'"),
    ],
)
async def test_bad_requests_are_400_naming_the_bad_value(jp_fetch, project, jp_root_dir, route, body, fragment):
    small(jp_root_dir)
    (jp_root_dir / "data.csv").write_text("a,b\n")
    (jp_root_dir / "broken.ipynb").write_text("{ this is not json")
    status, message = await error_of(jp_fetch, *route, body=body)
    assert status == 400 and fragment in message, message


@pytest.mark.parametrize("route", [("productionize", "analysis"), ("productionize", "suggestions"), ("productionize",)])
async def test_a_notebook_that_does_not_exist_is_404(jp_fetch, project, route):
    status, message = await error_of(jp_fetch, *route, body={"path": "missing.ipynb"})
    assert status == 404 and "'missing.ipynb' does not exist" in message, message


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"force": "yes"}, 'force="yes" is not valid: use true or false'),
        ({"targets": ["argo"]}, 'targets.0="argo" is not valid: use one of "kfp", "airflow"'),
        ({"out_dir": "../elsewhere"}, 'out_dir="../elsewhere" is not valid: expected output directory'),
        ({"out_dir": "."}, 'out_dir="." is not valid: expected output directory'),
        ({"out_dir": "data.csv"}, "is a file"),
    ],
)
async def test_bad_job_options_are_400(jp_fetch, project, jp_root_dir, body, fragment):
    path = small(jp_root_dir)
    (jp_root_dir / "data.csv").write_text("a,b\n")
    status, message = await error_of(jp_fetch, "productionize", body={"path": path, **body})
    assert status == 400 and fragment in message, message


async def test_an_existing_output_directory_needs_force(jp_fetch, project, jp_root_dir):
    path = small(jp_root_dir)
    (jp_root_dir / "small_pipeline").mkdir()
    status, message = await error_of(jp_fetch, "productionize", body={"path": path})
    assert status == 409 and "'small_pipeline' already exists" in message and "force" in message


async def test_unknown_job_is_404(jp_fetch, project):
    status, message = await error_of(jp_fetch, "productionize", "0123abcd", method="GET")
    assert status == 404 and "'0123abcd'" in message


async def wait_for_job(jp_fetch, job_id, timeout=150):
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        _, job = await call(jp_fetch, "GET", "productionize", job_id)
        seen.add(job["stage"])
        if job["state"] in ("done", "failed"):
            return job, seen
        await asyncio.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout}s: {job['stages']}")


async def test_unconvertible_notebook_fails_with_coded_diagnostics_and_no_package(jp_fetch, project, jp_root_dir):
    path = with_cd(jp_root_dir)
    status, started = await call(jp_fetch, "POST", "productionize", body={"path": path})
    assert status == 202 and started["out_dir"] == "moves_pipeline"
    job, _ = await wait_for_job(jp_fetch, started["job_id"], timeout=30)
    assert job["state"] == "failed" and job["error"] is None
    assert [(d["code"], d["cell_id"]) for d in job["result"]["diagnostics"]] == [("NB203", "cell-0")]
    assert [s["stage"] for s in job["stages"]] == ["analyse"]
    assert not (jp_root_dir / "moves_pipeline").exists()


@pytest.mark.timeout(240)
async def test_a_job_converts_proves_and_tests_the_notebook(jp_fetch, project, jp_root_dir):
    """The real thing: clean kernel runs, package, equivalence, its pytest (about 20 s here)."""
    path = small(jp_root_dir, "nbs/small.ipynb")
    status, started = await call(
        jp_fetch, "POST", "productionize", body={"path": path, "out_dir": "out/pkg", "targets": ["airflow"]}
    )
    assert status == 202
    # One job per notebook at a time.
    again, message = await error_of(jp_fetch, "productionize", body={"path": path, "out_dir": "out/other"})
    assert again == 409 and started["job_id"] in message

    job, seen = await wait_for_job(jp_fetch, started["job_id"])
    result = job["result"]
    assert job["state"] == "done", (job["error"], result and result["diagnostics"])
    assert result["ok"] and result["equivalence"]["ok"]
    assert {e["step"] for e in result["equivalence"]["entries"]} == {"load", "summarize", "metrics"}
    assert result["tests"]["failed"] == 0 and result["tests"]["passed"] >= 3
    assert [s["stage"] for s in job["stages"]] == job["all_stages"]
    assert all(s["seconds"] is not None for s in job["stages"]) and job["elapsed"] > 0
    assert seen - {None} <= set(job["all_stages"])
    package = jp_root_dir / "out" / "pkg"
    assert (package / "README.md").is_file() and result["package_dir"] == str(package.resolve())
    assert [t["name"] for t in result["targets"]] == ["container", "airflow"]  # what Lab lists under Deploy
    assert (package / "airflow_dag.py").is_file() and (package / "Containerfile").is_file()
