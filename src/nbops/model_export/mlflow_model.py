"""An MLflow model directory of a registered version, written by mlflow itself.

A scikit-learn estimator is saved with ``mlflow.sklearn.save_model``: the ``MLmodel`` file has
the ``sklearn`` and ``python_function`` flavours, so ``mlflow models serve``, MLServer's MLflow
runtime and KServe's ``mlflow`` format all load it. The signature comes from the schema of the
training dataset nbops recorded (only the model's feature columns); the requirements pin the
versions installed here, so the serving side unpickles with the library that trained it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..errors import InvalidValueError, ProductionizeError

#: Libraries a pickled scikit-learn model needs at load time, pinned to this environment.
RUNTIME_PACKAGES = ("scikit-learn", "numpy", "scipy", "pandas", "cloudpickle")

# pandas dtype names -> MLflow column types
_COLUMN_TYPES = {
    "bool": "boolean",
    "boolean": "boolean",
    "int8": "integer",
    "int16": "integer",
    "int32": "integer",
    "int64": "long",
    "uint8": "integer",
    "uint16": "integer",
    "uint32": "long",
    "float16": "float",
    "float32": "float",
    "float64": "double",
    "object": "string",
    "string": "string",
    "str": "string",
    "category": "string",
}


def require_mlflow():
    try:
        import mlflow.sklearn
    except ImportError:
        raise ProductionizeError(
            "exporting a model needs mlflow, which is not installed: pip install 'nbops[mlflow]'"
        ) from None
    return mlflow


def save_mlflow_model(model: Any, path: Path, schema: list[dict] | None) -> list[str]:
    """Write the MLflow model directory at ``path`` (which must not exist); returns notes for the user."""
    mlflow = require_mlflow()
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        raise InvalidValueError(
            f"a {type(model).__module__}.{type(model).__name__} cannot be exported yet: nbops exports "
            "scikit-learn estimators and pipelines (XGBoost and LightGBM's scikit-learn classes included)"
        )
    notes = []
    if not schema:
        schema = _assumed_schema(model)
        notes.append(
            "no training dataset was logged with this version: the signature assumes float64 features "
            "(log_dataset(df, 'train') in the run that registers the model records their types)"
            if schema
            else "no signature: no training dataset was logged with this version and the model "
            "does not say how many features it takes; MLServer needs a signature"
        )
    signature = _signature(model, schema)
    mlflow.sklearn.save_model(
        model,
        str(path),
        signature=signature,
        pip_requirements=_requirements(),
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
    )
    return notes


def _requirements() -> list[str]:
    pins = []
    for name in RUNTIME_PACKAGES:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return pins


def _assumed_schema(model: Any) -> list[dict] | None:
    """Float64 columns named like the model's features, when no training dataset says better."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [{"name": str(n), "dtype": "float64"} for n in names]
    width = getattr(model, "n_features_in_", None)
    return [{"name": str(i), "dtype": "float64"} for i in range(width)] if width else None


def _signature(model: Any, schema: list[dict] | None):
    """Inputs: the training columns the model reads, typed from their dtypes; outputs: what
    ``predict`` returns (MLServer's MLflow runtime needs both)."""
    if not schema:
        return None
    from mlflow.models.signature import ModelSignature
    from mlflow.types import ColSpec, Schema, TensorSpec

    outputs = _outputs(model)

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        # trained on an array: one tensor of rows, as wide as the model's input
        width = getattr(model, "n_features_in_", len(schema))
        import numpy as np

        dtype = np.dtype(schema[0]["dtype"]) if _is_numeric(schema[0]["dtype"]) else np.dtype("float64")
        return ModelSignature(inputs=Schema([TensorSpec(dtype, (-1, int(width)))]), outputs=outputs)
    by_name = {column["name"]: column["dtype"] for column in schema}
    missing = [str(n) for n in names if str(n) not in by_name]
    if missing:
        raise InvalidValueError(
            f"the training dataset's schema lacks the model's feature columns {missing[:10]}: "
            "log the dataset the model was fitted on"
        )
    return ModelSignature(
        inputs=Schema([ColSpec(_column_type(by_name[str(n)]), str(n)) for n in names]), outputs=outputs
    )


def _outputs(model: Any):
    """One prediction per row: the class labels' type for a classifier, float64 otherwise."""
    import numpy as np
    from mlflow.types import ColSpec, Schema, TensorSpec
    from sklearn.base import is_classifier

    classes = getattr(model, "classes_", None)
    dtype = np.asarray(classes).dtype if is_classifier(model) and classes is not None else np.dtype("float64")
    if dtype.kind in "biuf":
        return Schema([TensorSpec(dtype, (-1,))])
    return Schema([ColSpec("string")])


def _column_type(dtype: str) -> str:
    if dtype.startswith("datetime64"):
        return "datetime"
    return _COLUMN_TYPES.get(dtype.lower(), "string")


def _is_numeric(dtype: str) -> bool:
    return _COLUMN_TYPES.get(dtype.lower()) in ("integer", "long", "float", "double", "boolean")
