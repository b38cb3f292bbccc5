"""Model versions with where they came from: the run (experiment, status, metrics) and
the dataset it was trained on (name, role, digest, shape)."""

from __future__ import annotations

import json
from typing import Any

from .database import Database
from .models import Models
from .values import read_float


class Lineage:
    def __init__(self, db: Database, models: Models):
        self.db, self.models = db, models

    def models_overview(self) -> list[dict[str, Any]]:
        """Every model with its aliases and its latest version's row."""
        models = self.models.list()
        conn = self.db.connection()
        latest = {
            r["name"]: {
                "version": r["version"],
                "run_id": r["run_id"],
                "created_at": r["created_at"],
                "flavor": r["flavor"],
            }
            for r in conn.execute(
                """SELECT m.name, v.version, v.run_id, v.created_at, v.flavor FROM models m
                   JOIN model_versions v ON v.model_id = m.id
                   WHERE v.version = (SELECT MAX(version) FROM model_versions WHERE model_id = m.id)"""
            )
        }
        for model in models:
            model["latest"] = latest.get(model["name"])
        return models

    def aliases(self, name: str) -> dict[str, int]:
        """``{"production": 3, ...}`` of one model."""
        return next((m["aliases"] for m in self.models.list() if m["name"] == name), {})

    def versions(self, name: str) -> list[dict[str, Any]]:
        versions = self.models.versions(name)  # raises NotFoundError for an unknown model
        run_ids = sorted({v["run_id"] for v in versions if v["run_id"]})
        dataset_ids = sorted({v["dataset_id"] for v in versions if v["dataset_id"] is not None})
        runs = self._runs(run_ids)
        datasets = self._datasets(dataset_ids)
        for version in versions:
            version["run"] = runs.get(version["run_id"])
            version["dataset"] = datasets.get(version["dataset_id"])
        return versions

    def _runs(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not run_ids:
            return {}
        conn = self.db.connection()
        marks = ",".join("?" * len(run_ids))
        runs = {
            r["id"]: {**dict(r), "metrics": {}}
            for r in conn.execute(
                f"""SELECT r.id, r.name, e.name AS experiment, r.status, r.start_time, r.end_time, r.deleted_at
                    FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN ({marks})""",
                run_ids,
            )
        }
        for run_id, key, value in conn.execute(
            f"SELECT run_id, key, value FROM latest_metrics WHERE run_id IN ({marks})", run_ids
        ):
            runs[run_id]["metrics"][key] = read_float(value)
        return runs

    def _datasets(self, dataset_ids: list[int]) -> dict[int, dict[str, Any]]:
        if not dataset_ids:
            return {}
        marks = ",".join("?" * len(dataset_ids))
        rows = self.db.connection().execute(
            f"SELECT id, name, role, digest, rows, columns, schema, created_at FROM datasets WHERE id IN ({marks})",
            dataset_ids,
        )
        return {r["id"]: {**dict(r), "schema": json.loads(r["schema"]) if r["schema"] else None} for r in rows}
