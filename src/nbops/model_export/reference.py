"""Which registered version a user means (``churn``, ``churn@production``, ``churn:3``), and the
objects behind it: the unpickled model and the schema of the data it was trained on."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidValueError
from ..store import Store


@dataclass(frozen=True)
class VersionRef:
    name: str
    label: int | str | None  # a version number, an alias, or None for the latest

    @classmethod
    def parse(cls, text: str) -> VersionRef:
        """``NAME``, ``NAME@ALIAS``, ``NAME:VERSION`` (``NAME:ALIAS`` too, as ``nbops models card`` takes)."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidValueError(
                f"model {text!r} is not valid: use NAME, NAME@ALIAS or NAME:VERSION, e.g. churn@production"
            )
        for mark in ("@", ":"):
            name, found, label = text.partition(mark)
            if found:
                if not name or not label:
                    raise InvalidValueError(
                        f"model {text!r} is not valid: use NAME, NAME@ALIAS or NAME:VERSION, "
                        "e.g. churn@production or churn:3"
                    )
                return cls(name, int(label) if label.isdigit() else label)
        return cls(text, None)


def version_row(store: Store, ref: VersionRef) -> dict:
    """The registry's row of the version (NotFoundError names what exists otherwise)."""
    return store.models.version(ref.name, ref.label)


def load_model(store: Store, row: dict) -> Any:
    """The version's model object; a version registered as a file has none to export."""
    if row["flavor"] == "file":
        raise InvalidValueError(
            f"model {row['name']!r} version {row['version']} was registered as a file, not a model object: "
            "export needs a version registered with register_model(name, estimator)"
        )
    with store.blobs.open(row["artifact_sha256"]) as handle:
        return pickle.load(handle)  # the project's own registry: the same trust as its notebooks


def training_schema(store: Store, row: dict) -> list[dict] | None:
    """``[{"name", "dtype"}]`` of the dataset the version was trained on, or None when unknown."""
    if row.get("dataset_id") is None:
        return None
    schema = store.datasets.get(row["dataset_id"])["schema"]
    return schema if isinstance(schema, list) and schema else None
