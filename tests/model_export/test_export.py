"""Export a registered version: an MLflow directory that MLflow loads, MLServer's settings and a
KServe manifest; the output folder rule; clear errors for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pytest
import yaml


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "nbops.cli", "models", "export", *args], capture_output=True, text=True, env=env
    )


def test_mlflow_export_has_both_flavours_a_signature_and_pinned_requirements(registered, project, python_env):
    out = cli("churn@production", "--format", "mlflow", "-o", "exported", "--json", env=python_env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["name"], result["version"], result["format"]) == ("churn", 1, "mlflow")
    folder = project / "exported"
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    assert set(mlmodel["flavors"]) == {"sklearn", "python_function"}
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    inputs = json.loads(mlmodel["signature"]["inputs"])
    # the model's features in its order, typed from the training frame; never the label column
    assert inputs == [
        {"type": "long", "name": "tenure", "required": True},
        {"type": "double", "name": "charges", "required": True},
        {"type": "long", "name": "calls", "required": True},
        {"type": "double", "name": "noise", "required": True},
    ]
    assert json.loads(mlmodel["signature"]["outputs"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}
    ]
    requirements = (folder / "requirements.txt").read_text().split()
    assert f"scikit-learn=={version('scikit-learn')}" in requirements
    assert f"numpy=={version('numpy')}" in requirements
    assert sorted(result["files"]) == sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_pyfunc_loads_the_export_and_predicts_like_the_model(registered, project):
    import mlflow.pyfunc

    from nbops.model_export import export_model

    model, rows = registered
    export_model("churn:1", project / "m", format="mlflow")
    loaded = mlflow.pyfunc.load_model(str(project / "m"))
    np.testing.assert_array_equal(np.asarray(loaded.predict(rows)), model.predict(rows))


def test_mlflow_models_predict_cli_gives_the_models_predictions(registered, project, python_env):
    from nbops.model_export import export_model

    model, rows = registered
    export_model("churn", project / "m", format="mlflow")
    (project / "rows.json").write_text(json.dumps({"dataframe_split": rows.to_dict(orient="split", index=False)}))
    mlflow_cli = [sys.executable, "-c", "from mlflow.cli import cli; cli()"]
    out = subprocess.run(
        [
            *mlflow_cli,
            "models",
            "predict",
            "-m",
            str(project / "m"),
            "-i",
            str(project / "rows.json"),
            "-t",
            "json",
            "-o",
            str(project / "out.json"),
            "--env-manager",
            "local",
        ],
        capture_output=True,
        text=True,
        env={**python_env, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    predictions = json.loads((project / "out.json").read_text())["predictions"]
    assert predictions == model.predict(rows).tolist()


def test_kserve_manifest_has_what_an_inference_service_requires(registered, project, python_env):
    out = cli("churn", "--format", "kserve", "-o", "ks", "--storage-uri", "s3://models/churn/v1", env=python_env)
    assert out.returncode == 0, out.stderr
    service = yaml.safe_load((project / "ks" / "inference-service.yaml").read_text())
    assert service["apiVersion"] == "serving.kserve.io/v1beta1" and service["kind"] == "InferenceService"
    assert service["metadata"]["name"] == "churn"
    model = service["spec"]["predictor"]["model"]
    assert model == {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2", "storageUri": "s3://models/churn/v1"}
    assert (project / "ks" / "model" / "MLmodel").is_file()  # what to upload to storageUri


def test_kserve_manifest_without_a_storage_uri_has_a_placeholder_and_says_so(registered, project, python_env):
    out = cli("churn", "--format", "kserve", "-o", "ks", env=python_env)
    assert out.returncode == 0, out.stderr
    assert "storageUri is a placeholder" in out.stderr
    service = yaml.safe_load((project / "ks" / "inference-service.yaml").read_text())
    assert service["spec"]["predictor"]["model"]["storageUri"] == "s3://CHANGE-ME/churn/v1"


def test_service_names_are_dns_labels():
    from nbops.errors import InvalidValueError
    from nbops.model_export.manifests import service_name

    assert service_name("Churn Model_v2") == "churn-model-v2"
    assert service_name("2024 churn") == "churn"
    with pytest.raises(InvalidValueError, match="no letters"):
        service_name("2024")


def test_mlserver_settings_point_at_the_mlflow_directory(registered, project):
    from nbops.model_export import export_model

    export_model("churn", project / "ms", format="mlserver")
    settings = json.loads((project / "ms" / "model-settings.json").read_text())
    assert settings == {
        "name": "churn",
        "implementation": "mlserver_mlflow.MLflowRuntime",
        "parameters": {"uri": "./model", "version": "v1"},
    }
    assert (project / "ms" / "model" / "MLmodel").is_file()


def test_export_never_replaces_a_folder_nbops_did_not_write(registered, project, python_env):
    mine = project / "serving"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    out = cli("churn", "-o", "serving", "--force", env=python_env)
    assert out.returncode == 2
    assert "holds files nbops did not write (notes.txt)" in out.stderr
    assert (mine / "notes.txt").read_text() == "keep me" and len(list(mine.iterdir())) == 1


def test_a_second_export_needs_force_and_then_replaces_its_own_folder(registered, project, python_env):
    assert cli("churn", "-o", "out", env=python_env).returncode == 0
    again = cli("churn", "--format", "mlserver", "-o", "out", env=python_env)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    forced = cli("churn", "--format", "mlserver", "-o", "out", "--force", env=python_env)
    assert forced.returncode == 0, forced.stderr
    assert (project / "out" / "model-settings.json").is_file() and not (project / "out" / "MLmodel").exists()
    assert not [p for p in project.iterdir() if ".export-" in p.name or ".old-" in p.name]  # no staging left


@pytest.mark.parametrize(
    "model, options, message",
    [
        ("nope", {}, "no model named 'nope' is registered"),
        ("churn:7", {}, "has no version or alias 7"),
        ("churn@", {}, "use NAME, NAME@ALIAS or NAME:VERSION"),
        ("churn", {"format": "onnx"}, "export format 'onnx' is not valid: use one of mlflow, mlserver, kserve"),
        ("churn", {"storage_uri": "s3://b/m"}, "for the kserve format only"),
        ("churn", {"format": "kserve", "storage_uri": "ftp://b/m"}, "storage URI 'ftp://b/m' is not valid"),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(registered, project, model, options, message):
    from nbops.errors import NbopsError
    from nbops.model_export import export_model

    with pytest.raises(NbopsError, match=re.escape(message)):
        export_model(model, project / "x", **options)
    assert not (project / "x").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".x.")]


def test_the_cli_reports_bad_input_in_one_line_with_exit_status_2(registered, python_env):
    out = cli("churn:7", "-o", "x", env=python_env)
    assert out.returncode == 2
    assert out.stderr.strip() == "nbops models: model 'churn' has no version or alias 7"


def test_a_model_without_a_training_dataset_gets_an_assumed_signature_and_says_so(project):
    from sklearn.linear_model import LogisticRegression

    import nbops
    from nbops.model_export import export_model

    x = np.random.default_rng(0).normal(size=(40, 3))
    nbops.register_model("bare", LogisticRegression().fit(x, (x[:, 0] > 0).astype(int)))
    result = export_model("bare", project / "bare")
    signature = yaml.safe_load((project / "bare" / "MLmodel").read_text())["signature"]
    assert json.loads(signature["inputs"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}
    ]
    assert json.loads(signature["outputs"]) == [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]
    assert any("the signature assumes float64 features" in note for note in result.notes)


def test_a_model_that_is_not_a_scikit_learn_estimator_is_refused_by_name(project):
    import nbops
    from nbops.errors import InvalidValueError
    from nbops.model_export import export_model

    nbops.register_model("fn", {"weights": [1, 2]})
    with pytest.raises(InvalidValueError, match="builtins.dict cannot be exported"):
        export_model("fn", project / "fn")
    assert not (project / "fn").exists()


def test_without_mlflow_the_export_says_to_install_the_extra(registered, project, monkeypatch):
    from nbops.errors import ProductionizeError
    from nbops.model_export import export_model

    monkeypatch.setitem(sys.modules, "mlflow.sklearn", None)  # `import mlflow.sklearn` fails as when not installed
    with pytest.raises(ProductionizeError, match=re.escape("pip install 'nbops[mlflow]'")):
        export_model("churn", project / "m")
    assert not (project / "m").exists() and not [p for p in project.iterdir() if p.name.startswith(".m.")]
