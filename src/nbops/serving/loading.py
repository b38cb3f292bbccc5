"""A served version from the registry: the model object, its input schema, its drift reference.

The input schema is the training dataset's (the registry links a version to it, directly or
through its run): the model's own feature names when it has them (``feature_names_in_``),
with the dtypes the dataset was logged with. A training column the model does not read is
taken as the label: predictions are sketched into it, so the Drift Monitor compares the
live prediction distribution with the training labels.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from nbops.errors import InvalidValueError, NotFoundError
from nbops.serving.config import VersionRef


@dataclass
class ServedVersion:
    name: str
    version: int
    version_id: int
    model: Any
    features: list[tuple[str, str]] | None  # (column, dtype) in the model's order; None: no schema known
    label: str | None  # the training column predictions are sketched into
    dataset_id: int | None
    reference: Any | None  # drift Sketch restricted to features (+ label), or None
    classes: list | None  # a classifier's classes, for prediction counts
    estimation: Any | None = None  # Estimation: label-free performance of live windows, or None

    @property
    def subject(self) -> str:
        """The drift subject of this version's live windows (also a valid ``nbops serve`` spec)."""
        return f"{self.name}:{self.version}"

    @property
    def has_proba(self) -> bool:
        return hasattr(self.model, "predict_proba")

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "subject": self.subject,
            "features": [{"name": n, "dtype": t} for n, t in self.features or []],
            "methods": ["predict"] + (["predict_proba"] if self.has_proba else []),
            "monitored": self.reference is not None,
            "estimated": self.estimation.describe() if self.estimation is not None else None,
        }


def load_version(store, ref: VersionRef) -> ServedVersion:
    row = store.models.version(ref.name, ref.version)
    if row["flavor"] == "file":
        raise InvalidValueError(
            f"model {ref.name!r} version {row['version']} was registered as a file, not a "
            "model object: nbops serve needs register_model(name, model_object)"
        )
    with store.blobs.open(row["artifact_sha256"]) as handle:
        model = pickle.load(handle)  # the project's own registry: the same trust as its notebooks
    if not hasattr(model, "predict"):
        raise InvalidValueError(
            f"model {ref.name!r} version {row['version']} ({type(model).__name__}) has no predict()"
        )
    dataset = _training_dataset(store, row)
    features, label = _schema(model, dataset)
    reference = _reference(store, dataset, features, label)
    classes = getattr(model, "classes_", None)
    served = ServedVersion(
        ref.name,
        row["version"],
        row["id"],
        model,
        features,
        label,
        dataset["id"] if dataset else None,
        reference,
        [c.item() if hasattr(c, "item") else c for c in classes] if classes is not None else None,
    )
    if reference is not None and features and label is not None:
        from nbops.serving.estimation import prepare

        served.estimation = prepare(store, row, model, features, label)
    return served


def _training_dataset(store, row: dict) -> dict | None:
    if row.get("dataset_id") is not None:
        return store.datasets.get(row["dataset_id"])
    if row.get("run_id"):
        trained = [d for d in store.datasets.of_run(row["run_id"]) if d["role"] == "train"]
        return trained[-1] if trained else None
    return None


def _schema(model, dataset: dict | None) -> tuple[list[tuple[str, str]] | None, str | None]:
    names = getattr(model, "feature_names_in_", None)
    logged = {c["name"]: c["dtype"] for c in (dataset or {}).get("schema") or []}
    if names is None:
        if not logged:
            return None, None
        return list(logged.items()), None
    names = [str(n) for n in names]
    features = [(n, logged.get(n, "float64" if logged else "any")) for n in names]
    rest = [n for n in logged if n not in names]
    return features, rest[0] if len(rest) == 1 else None


def _reference(store, dataset: dict | None, features, label: str | None):
    """The dataset's drift reference restricted to what a request carries (features, label)."""
    if dataset is None or not features:
        return None
    from nbops.drift.persistence import load_reference
    from nbops.drift.reference import Sketch

    try:
        full = load_reference(store, dataset["id"])
    except NotFoundError:
        return None
    wanted = {n for n, _ in features} | ({label} if label else set())
    columns = {n: sk for n, sk in full.columns.items() if full.sources.get(n, n) in wanted}
    if not columns:
        return None
    sources = {n: s for n, s in full.sources.items() if n in columns}
    return Sketch(columns, rows=full.rows, sources=sources, bins=full.bins, top_k=full.top_k)
