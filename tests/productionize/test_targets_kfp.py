"""The package as a Kubeflow Pipelines v2 pipeline: compiled with the real kfp SDK, run with
kfp.local's subprocess runner, every step output equal to a plain ``python -m PKG run``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from step_outputs import OUTPUTS, STEPS, assert_one_tracked_run, assert_same_outputs, names, run_module

from nbops.errors import InvalidValueError
from nbops.productionize import productionize

if os.environ.get("CI") != "true":
    pytest.importorskip("kfp", reason="the kfp extra is not installed (pip install -e '.[kfp]')")


@pytest.fixture
def training(orchestrated):
    return orchestrated


def test_compiled_ir_has_a_component_per_step_typed_parameters_and_artifacts(training):
    folder = Path(training.package_dir) / "src" / training.package
    ir = yaml.safe_load((folder / "kfp_pipeline.yaml").read_text())
    assert sorted(ir["root"]["dag"]["tasks"]) == [
        "evaluate-step",
        "features-step",
        "load-step",
        "nbops-end",
        "nbops-start",
        "train-step",
    ]
    # the nbops run's id flows from the start task to every step, which the end task follows
    tasks = ir["root"]["dag"]["tasks"]
    run_input = tasks["train-step"]["inputs"]["parameters"]["nbops_run"]["taskOutputParameter"]
    assert run_input == {"outputParameterKey": "Output", "producerTask": "nbops-start"}
    assert sorted(tasks["nbops-end"]["dependentTasks"]) == [
        "evaluate-step",
        "features-step",
        "load-step",
        "nbops-start",
        "train-step",
    ]
    params = ir["root"]["inputDefinitions"]["parameters"]
    assert params["n_estimators"] == {"defaultValue": 20, "isOptional": True, "parameterType": "NUMBER_INTEGER"}
    assert params["test_size"]["parameterType"] == "NUMBER_DOUBLE"
    outputs = {task: spec.get("outputDefinitions", {}).get("artifacts", {}) for task, spec in ir["components"].items()}
    train = outputs["comp-train-step"]
    assert train["out_model"]["artifactType"]["schemaTitle"] == "system.Model"
    assert train["out_X_test"]["artifactType"]["schemaTitle"] == "system.Dataset"
    assert outputs["comp-evaluate-step"]["metrics"]["artifactType"]["schemaTitle"] == "system.Metrics"
    # the features task reads load's artifact: outputs are passed as artifacts, not parameters
    features = ir["root"]["dag"]["tasks"]["features-step"]["inputs"]["artifacts"]["in_raw"]
    assert features["taskOutputArtifact"] == {"outputArtifactKey": "out_raw", "producerTask": "load-step"}
    # Kale's limit: tags on the train cell, on its task alone
    executors = ir["deploymentSpec"]["executors"]
    train_resources = executors["exec-train-step"]["container"]["resources"]
    assert train_resources["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert train_resources["accelerator"]["resourceCount"] == "1"
    assert train_resources["resourceMemoryLimit"] == "2Gi"
    assert "resources" not in executors["exec-load-step"]["container"]
    manifest = json.loads((Path(training.package_dir) / ".nbops-package.json").read_text())
    assert {f"src/{training.package}/kfp_pipeline.py", f"src/{training.package}/kfp_pipeline.yaml"} <= set(
        manifest["files"]
    )
    assert "pyarrow>=" in " ".join(training.requirements)  # parquet needs it wherever the steps run
    listed = {t["name"]: t for t in training.to_dict()["targets"]}  # what Lab's result shows
    assert sorted(listed) == ["airflow", "container", "kfp"]
    assert all((Path(training.package_dir) / f).is_file() for t in listed.values() for f in t["files"])
    assert "kfp_pipeline.yaml" in listed["kfp"]["submit"]


def test_containerfile_pins_the_clean_run_versions(training):
    root = Path(training.package_dir)
    lock = (root / "requirements.lock").read_text().splitlines()
    assert {line.split("==")[0] for line in lock} == {"joblib", "numpy", "pandas", "pyarrow", "scikit-learn"}
    assert all("==" in line for line in lock)
    text = (root / "Containerfile").read_text()
    assert (
        "RUN pip install -r requirements.lock" in text and f'ENTRYPOINT ["python", "-m", "{training.package}"]' in text
    )
    assert "## Container" in (root / "README.md").read_text()


def test_compile_command_sets_the_base_image_and_the_package_to_install(training, tmp_path):
    run_module(
        training,
        f"{training.package}.kfp_pipeline",
        "compile",
        "-o",
        tmp_path / "p.yaml",
        "--base-image",
        "registry.example/churn:1",
        "--package",
        "churn-model==2.0",
        cwd=tmp_path,
    )
    ir = yaml.safe_load((tmp_path / "p.yaml").read_text())
    container = ir["deploymentSpec"]["executors"]["exec-train-step"]["container"]
    assert container["image"] == "registry.example/churn:1"
    assert "churn-model==2.0" in " ".join(container["command"])


def test_local_run_with_a_changed_parameter_matches_the_plain_cli(training, tmp_path):
    plain = run_module(
        training, training.package, "run", "-p", "n_estimators=7", "--cache", tmp_path / "cache", cwd=tmp_path
    )
    assert json.loads(plain.stdout)["params"]["n_estimators"] == 7
    run_module(
        training,
        f"{training.package}.kfp_pipeline",
        "run-local",
        "-p",
        "n_estimators=7",
        "--pipeline-root",
        tmp_path / "kfp",
        cwd=tmp_path,
        NBOPS_TRACKING="1",
        NBOPS_HOME=str(tmp_path / ".nbops"),
    )
    tasks = {step: _task_folder(tmp_path / "kfp", f"{step}-step") for step in STEPS}
    for step, task in tasks.items():  # one artifact per output, nothing more
        assert sorted(p.name for p in task.glob("out_*")) == [f"out_{n}" for n in names(tmp_path / "cache" / step)]
    compared = assert_same_outputs(tmp_path / "cache", lambda step, name: tasks[step] / f"out_{name}")
    assert compared == OUTPUTS
    executor = json.loads((tasks["evaluate"] / "executor_output.json").read_text())
    logged = executor["artifacts"]["metrics"]["artifacts"][0]["metadata"]
    assert logged == pytest.approx(json.loads(plain.stdout)["metrics"]) and set(logged) == {"auc", "accuracy"}
    assert_one_tracked_run(tmp_path / ".nbops", json.loads(plain.stdout), runner="kfp")


def _task_folder(root: Path, task: str) -> Path:
    found = [p for p in root.glob(f"*/{task}") if p.is_dir()]
    assert len(found) == 1, sorted(str(p.relative_to(root)) for p in root.rglob("*"))[:50]
    return found[0]


def test_an_unknown_target_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(InvalidValueError, match="unknown target 'argo'; valid targets: kfp, airflow"):
        productionize(tmp_path / "missing.ipynb", tmp_path / "out", targets=["argo"])
    assert not (tmp_path / "out").exists()
