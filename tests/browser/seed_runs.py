"""Seed the store of a browser test's Lab server through the nbops Python API.

Runs as a subprocess (``python seed_runs.py``) with ``NBOPS_HOME`` pointing at the
server's store, so the data is written exactly as a notebook would write it.
Prints the ids it created as JSON.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib

import nbformat
import plotly.graph_objects as go

import nbops
from nbops import tracking

# Cells of the notebook the out-of-order run claims to come from, in notebook order.
NOTEBOOK_CELLS = [
    "import pandas as pd\ndf = pd.read_csv('churn.csv')",
    "features = df.drop(columns=['churned'])",
    "model = fit(features, max_depth=8)",
]


def png_bytes(width: int = 160, height: int = 100) -> bytes:
    """A real RGB PNG (a two-colour gradient), written without an imaging library."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes((40 + 180 * x // width, 90 + 120 * y // height, 200 - 150 * x // width))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


def seed_detail_run() -> str:
    run = nbops.start_run(
        "churn",
        name="gbm-depth-8",
        params={"model": "gbm", "max_depth": 8, "learning_rate": 0.05},
        tags={"team": "growth", "stage": "draft"},
        capture_provenance=False,
    )
    for step in range(60):
        run.log_metric("loss", 0.9 * 0.95**step + 0.02 * (step % 7 == 0))
        run.log_metric("auc", 0.6 + 0.3 * (1 - 0.93**step))
    run.log_artifact(png_bytes(), name="plots/confusion.png")
    run.log_artifact(b"threshold,precision\n0.5,0.81\n", name="thresholds.csv")
    figure = go.Figure(go.Scatter(x=[0, 0.1, 0.3, 1], y=[0, 0.6, 0.85, 1], name="ROC"))
    figure.update_layout(title="ROC curve")
    run.log_figure(figure, name="roc")
    store = tracking.store()
    store.runs.set_git(run.id, "4be2f1c9a0d1e7c3b5a9f0e2d4c6b8a1f3e5d7c9", "main", True)
    store.provenance.update(
        run.id,
        python="3.11.2 (cpython, linux)",
        packages=[
            {"name": "nbops", "version": "0.1.0"},
            {"name": "numpy", "version": "2.4.6"},
            {"name": "pandas", "version": "3.1.1"},
            {"name": "plotly", "version": "7.1.0"},
        ],
        git_diff="diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1,3 +1,3 @@\n"
        " import gbm\n-MAX_DEPTH = 6\n+MAX_DEPTH = 8\n fit()\n",
    )
    with nbops.start_run("churn", name="fold-1", capture_provenance=False):
        nbops.log_metric("auc", 0.88)
    tracking.end_run(run=run)
    return run.id


def seed_out_of_order_run(root: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    nbformat.write(notebook, f"{root}/analysis.ipynb")
    store = tracking.store()
    run_id = store.runs.create("churn", name="messy-notebook", context={"notebook_path": "analysis.ipynb"})
    first, second, third = NOTEBOOK_CELLS
    # Cell 3 ran before cell 2, and then again.
    store.provenance.update(
        run_id,
        cells=[
            {"execution_count": 1, "source": first},
            {"execution_count": 2, "source": third},
            {"execution_count": 3, "source": second},
            {"execution_count": 4, "source": third},
        ],
    )
    store.runs.end(run_id, "finished")
    return run_id


def seed_models() -> dict:
    ids = {}
    for version, depth in enumerate((6, 8), start=1):
        with nbops.start_run(
            "churn", name=f"register-depth-{depth}", params={"max_depth": depth}, capture_provenance=False
        ) as run:
            nbops.log_metric("auc", 0.8 + depth / 100)
            run.log_dataset(
                [{"tenure": t, "plan": "pro" if t % 2 else "basic"} for t in range(40)], name="customers-2026-10"
            )
            run.register_model("churn-model", {"depth": depth}, alias="production" if version == 1 else None)
            ids[f"v{version}_run"] = run.id
    return ids


def live_run(root: str) -> None:
    """A run that stays running: 5 steps, then 5 more once ``go`` exists, ended once ``stop`` exists."""
    import pathlib
    import time

    run = nbops.start_run("live", name="still-training", capture_provenance=False)
    for step in range(5):
        run.log_metric("loss", 1 / (step + 1))
    run.info()  # flushes the points
    print(json.dumps({"live": run.id}), flush=True)
    for signal, more in (("go", range(5, 10)), ("stop", ())):
        while not pathlib.Path(root, signal).exists():
            time.sleep(0.1)
        for step in more:
            run.log_metric("loss", 1 / (step + 1))
        run.info()
    tracking.end_run(run=run)


if __name__ == "__main__":
    root, what = sys.argv[1], sys.argv[2]
    if what == "live":
        live_run(root)
        sys.exit(0)
    if what == "detail":
        result = {"detail": seed_detail_run(), "out_of_order": seed_out_of_order_run(root)}
    else:
        result = seed_models()
    print(json.dumps(result))
