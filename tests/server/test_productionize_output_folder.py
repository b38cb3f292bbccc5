"""REST side of the output-folder rule, with the store inside the server root as in a real project:
``out_dir`` holding the notebook, the store or foreign files is a 400 naming it, force or not,
and the store keeps answering."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from tornado.httpclient import HTTPClientError


@pytest.fixture
def project(jp_root_dir, monkeypatch):
    """The server root is the project: its store is ``<root>/.nbops``, with one finished run."""
    monkeypatch.setenv("NBOPS_HOME", str(jp_root_dir / ".nbops"))
    monkeypatch.chdir(jp_root_dir)
    import nbops
    from nbops.tracking.provenance import recorder

    with nbops.start_run("churn"):
        nbops.log_metric("auc", 0.9)
    # the run's provenance (the package list cached in <store>/cache) is written by a thread:
    # done before a test lists the store's files, or it appears between two listings
    assert recorder.wait(60)
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["step:one"]})])
    nbformat.write(nb, jp_root_dir / "nb.ipynb")
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "train.csv").write_text("a,b\n1,2\n")
    return jp_root_dir


async def refused(jp_fetch, body):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nbops", "api", "productionize", method="POST", body=json.dumps(body))
    return caught.value.code, json.loads(caught.value.response.body)["message"]


async def runs(jp_fetch):
    response = await jp_fetch("nbops", "api", "runs", method="GET")
    return [(r["status"], r["experiment"]) for r in json.loads(response.body)["runs"]]


@pytest.mark.parametrize(
    "out_dir, fragment",
    [
        (".nbops", "'.nbops' holds the nbops store"),
        (".nbops/blobs", "'.nbops/blobs' is inside the nbops store"),
        (".", 'out_dir="." is not valid: expected output directory relative to the server root'),
        ("data", "'data' holds files nbops did not write (train.csv)"),
    ],
)
@pytest.mark.parametrize("force", [True, False])
async def test_out_dir_holding_the_store_notebook_or_user_files_is_400(jp_fetch, project, out_dir, fragment, force):
    before = await runs(jp_fetch)
    assert before == [("finished", "churn")]
    store_files = sorted(p.name for p in (project / ".nbops").iterdir())
    status, message = await refused(jp_fetch, {"path": "nb.ipynb", "out_dir": out_dir, "force": force})
    assert status == 400 and fragment in message, message
    assert await runs(jp_fetch) == before  # GET runs still answers from the intact store
    assert sorted(p.name for p in (project / ".nbops").iterdir()) == store_files
    assert (project / "nb.ipynb").is_file() and (project / "data" / "train.csv").read_text() == "a,b\n1,2\n"


async def test_an_out_dir_that_cannot_be_created_is_400_before_any_job(jp_fetch, project):
    status, message = await refused(jp_fetch, {"path": "nb.ipynb", "out_dir": "data/train.csv/pkg"})
    assert status == 400 and "'data/train.csv/pkg' cannot be created" in message and "is a file" in message
    assert (project / "data" / "train.csv").read_text() == "a,b\n1,2\n"
