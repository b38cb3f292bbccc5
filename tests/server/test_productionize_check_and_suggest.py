"""`nbops check` answers exactly what the Pipeline panel's analysis route answers; the suggestions
route proposes roles for untagged cells, from disk or from the editor's unsaved content."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from tornado.httpclient import HTTPClientError

NBOPS = str(Path(sys.executable).parent / "nbops")


def write(root, name, *cells):
    nb = new_notebook(cells=list(cells))
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    nbformat.write(nb, root / name)
    return name


def code(source, *tags):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


async def post(jp_fetch, route, body):
    response = await jp_fetch("nbops", "api", "productionize", route, method="POST", body=json.dumps(body))
    return json.loads(response.body)


@pytest.mark.parametrize(
    "cells",
    [
        [
            code("n = 5", "parameters"),
            code("import statistics", "setup"),
            code("values = list(range(n))", "step:load"),
            code("mean = statistics.mean(values)", "step:summarize"),
            code("score = mean / 10", "metrics"),
        ],
        [code("rows = [1, 2]"), code("%cd data\ntotal = sum(rows)", "step:sum"), code('print "x"', "step:py2")],
    ],
)
async def test_cli_check_json_is_the_pipeline_panels_analysis(jp_fetch, project, jp_root_dir, cells):
    path = write(jp_root_dir, "nb.ipynb", *cells)
    panel = await post(jp_fetch, "analysis", {"path": path})
    done = subprocess.run([NBOPS, "check", path, "--json"], cwd=jp_root_dir, capture_output=True, text=True)
    cli = json.loads(done.stdout)
    assert done.returncode == (1 if any(d["severity"] == "error" for d in panel["diagnostics"]) else 0)
    for key in ("package", "params", "dag", "cells", "untagged", "requirements", "diagnostics"):
        assert cli[key] == panel[key], key
    assert cli["notebook"] == panel["notebook"] == path


async def test_suggestions_route_reads_the_file_or_the_editor_content(jp_fetch, project, jp_root_dir):
    path = write(
        jp_root_dir,
        "explore.ipynb",
        new_markdown_cell("## Load data"),
        code("import math"),
        code("radius = 2.0"),
        code("area = math.pi * radius ** 2"),
        code("area"),
    )
    answer = await post(jp_fetch, "suggestions", {"path": path})
    assert answer["notebook"] == path
    assert [(s["id"], s["tag"]) for s in answer["suggestions"]] == [
        ("cell-1", "setup"),
        ("cell-2", "parameters"),
        ("cell-3", "step:load_data"),
        ("cell-4", "skip"),
    ]
    assert set(answer["suggestions"][0]) == {"index", "id", "role", "step", "tag", "reason"}

    content = nbformat.read(jp_root_dir / path, as_version=4)
    content.cells[1].metadata["tags"] = ["setup"]  # accepted in the editor, not saved yet
    answer = await post(jp_fetch, "suggestions", {"path": path, "content": content})
    assert [s["id"] for s in answer["suggestions"]] == ["cell-2", "cell-3", "cell-4"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "needs the field 'path'"),
        ({"path": "../x.ipynb"}, 'path="../x.ipynb" is not valid: expected notebook path relative to the server root'),
        ({"path": "broken.ipynb"}, "not a readable notebook"),
        ({"path": "ok.ipynb", "content": {"cells": 3}}, "content is not a valid notebook"),
        ({"path": "ok.ipynb", "extra": 1}, "unknown field(s) 'extra': send only content, path"),
    ],
)
async def test_bad_suggestion_requests_are_400(jp_fetch, project, jp_root_dir, body, fragment):
    # (a notebook that does not exist is a 404: tests/server/test_productionize_routes.py)
    write(jp_root_dir, "ok.ipynb", code("x = 1"))
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    with pytest.raises(HTTPClientError) as caught:
        await post(jp_fetch, "suggestions", body)
    assert caught.value.code == 400 and fragment in json.loads(caught.value.response.body)["message"]
