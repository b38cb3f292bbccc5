"""Evaluate registered model versions on the same labelled data, log it as a run, let the
gate decide and, when asked and allowed, move the alias (an audited promotion).

    result = nbops.evaluate_models("churn", ["production", "candidate"], "holdout.csv", "churned",
                                   slice_column="plan", max_slice_drop=0.05, promote=True)
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConflictError, InvalidValueError
from ..store import Store
from .gate import GateDecision, GatePolicy, decide

CLASSIFICATION_METRICS = ("accuracy", "f1", "roc_auc")
REGRESSION_METRICS = ("rmse", "mae", "r2")
EVALUATION_ARTIFACT = "evaluation.json"
MAX_SLICES = 50


@dataclass
class Evaluation:
    model: str
    run_id: str
    metric: str
    versions: list[dict]  # [{"label", "version", "metrics", "slices"}], champion first
    decision: GateDecision
    promoted: bool = False
    alias: str = "production"
    slice_column: str | None = None
    policy: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "run_id": self.run_id,
            "metric": self.metric,
            "versions": self.versions,
            "decision": self.decision.to_dict(),
            "promoted": self.promoted,
            "alias": self.alias,
            "slice_column": self.slice_column,
            "policy": self.policy,
        }


def evaluate_models(
    name: str,
    versions: list | str = ("production", "candidate"),
    data: Any = None,
    target: str | None = None,
    metric: str | None = None,
    slice_column: str | None = None,
    min_improvement: float = 0.0,
    max_slice_drop: float | None = None,
    promote: bool = False,
    alias: str = "production",
    store: Store | None = None,
    actor: str | None = None,
) -> Evaluation:
    """Evaluate ``versions`` of model ``name`` (the champion first: aliases or numbers) on
    ``data`` (a DataFrame, or a CSV/parquet path) labelled by column ``target``."""
    if store is None:
        from ..tracking import store as default_store

        store = default_store()
    labels = _version_labels(versions)
    frame = _frame(data)
    if not isinstance(target, str) or target not in frame.columns:
        raise InvalidValueError(f"target column {target!r} is not in the data: its columns are {_columns(frame)}")
    if slice_column is not None and slice_column not in frame.columns:
        raise InvalidValueError(f"slice column {slice_column!r} is not in the data: its columns are {_columns(frame)}")
    rows = [store.models.version(name, _as_version(label)) for label in labels]
    numbers = [row["version"] for row in rows]
    if len(set(numbers)) != len(numbers):
        same = ", ".join(f"{label} = v{n}" for label, n in zip(labels, numbers))
        raise InvalidValueError(
            f"versions {','.join(labels)} name the same version twice ({same}): compare different versions"
        )
    models = [_load_model(store, name, row) for row in rows]
    task = (
        "classification" if any(hasattr(m, "classes_") or hasattr(m, "predict_proba") for m in models) else "regression"
    )
    metric = metric or ("accuracy" if task == "classification" else "rmse")
    known = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    if metric not in known:
        raise InvalidValueError(f"metric {metric!r} is not valid for a {task} model: use one of {', '.join(known)}")
    policy = GatePolicy(metric, min_improvement, max_slice_drop)
    results = []
    for label, row, model in zip(labels, rows, models):
        try:
            scores = _score(model, frame, target, task)
            slices = _slices(model, frame, target, task, slice_column)
        except InvalidValueError:
            raise
        except Exception as exc:  # the model's own complaint about this data (columns, dtypes, labels)
            raise InvalidValueError(
                f"model {name!r} version {row['version']} cannot score this data: {type(exc).__name__}: {exc}"
            ) from None
        results.append({"label": label, "version": row["version"], "metrics": scores, "slices": slices})
    decision = (
        decide(policy, results[0], results[1])
        if len(results) > 1
        else GateDecision(False, "gate not applied: evaluate a champion and at least one challenger", 0.0)
    )
    evaluation = Evaluation(
        name,
        "",
        metric,
        results,
        decision,
        alias=alias,
        slice_column=slice_column,
        policy={"metric": metric, "min_improvement": min_improvement, "max_slice_drop": max_slice_drop},
    )
    evaluation.run_id = _log_run(store, evaluation, data, target)
    if promote:
        promote_evaluation(store, name, evaluation.run_id, alias=alias, actor=actor)
        evaluation.promoted = True
    return evaluation


def promote_evaluation(
    store: Store, name: str, run_id: str, alias: str = "production", actor: str | None = None, reason: str | None = None
) -> dict:
    """Move ``alias`` to the challenger of evaluation run ``run_id`` if its gate passed and
    the champion it was compared with still holds the alias; otherwise ConflictError says why."""
    evaluation = read_evaluation(store, run_id)
    if evaluation["model"] != name:
        raise InvalidValueError(f"evaluation run {run_id} evaluated model {evaluation['model']!r}, not {name!r}")
    decision = evaluation["decision"]
    if not decision["passed"]:
        raise ConflictError(f"not promoted: {decision['reason']}")
    champion, challenger = evaluation["versions"][0], evaluation["versions"][1]
    with store.transaction():  # the check and the move in one write: no one moves the alias between them
        current = store.models.versions(name)
        holder = next((v["version"] for v in current if alias in v["aliases"]), None)
        if holder is not None and holder != champion["version"]:
            raise ConflictError(
                f"not promoted: {alias} is now version {holder}, not version {champion['version']} that evaluation "
                f"{run_id} compared against; evaluate again"
            )
        store.models.set_alias(
            name,
            alias,
            challenger["version"],
            actor=actor,
            kind="promoted",
            evaluation_run_id=run_id,
            reason=reason or decision["reason"],
            detail={"metric": evaluation["metric"], "improvement": decision["improvement"]},
        )
    return store.models.version(name, challenger["version"])


def read_evaluation(store: Store, run_id: str) -> dict:
    artifact = store.artifacts.get(run_id, EVALUATION_ARTIFACT)
    with store.blobs.open(artifact["sha256"]) as handle:
        return json.loads(handle.read())


def latest_evaluation(store: Store, name: str) -> dict | None:
    """The newest evaluation logged for ``name`` (the Models view shows it), or None."""
    row = (
        store.db.connection()
        .execute(
            """SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN artifacts a ON a.run_id = r.id
           WHERE e.name = ? AND a.path = ? AND r.deleted_at IS NULL ORDER BY r.start_time DESC LIMIT 1""",
            (f"evaluate/{name}", EVALUATION_ARTIFACT),
        )
        .fetchone()
    )
    return read_evaluation(store, row[0]) if row else None


def _log_run(store: Store, evaluation: Evaluation, data: Any, target: str) -> str:
    from ..tracking import start_run

    params = {
        "model": evaluation.model,
        "versions": ",".join(str(v["version"]) for v in evaluation.versions),
        "target": target,
        "alias": evaluation.alias,
        **{k: v for k, v in evaluation.policy.items() if v is not None},
    }
    if evaluation.slice_column:
        params["slice"] = evaluation.slice_column
    if isinstance(data, (str, Path)):
        params["data"] = str(data)
    with start_run(f"evaluate/{evaluation.model}", params=params, nested=False, capture_provenance=False) as run:
        for item in evaluation.versions:
            for key, value in item["metrics"].items():
                run.log_metric(f"v{item['version']}.{key}", value)
            for group, scores in item["slices"].items():
                for key, value in scores.items():
                    run.log_metric(f"v{item['version']}.{evaluation.slice_column}={group}.{key}", value)
        run.set_tags(
            {"gate": "passed" if evaluation.decision.passed else "failed", "gate.reason": evaluation.decision.reason}
        )
        evaluation.run_id = run.id
        run.log_artifact(json.dumps(evaluation.to_dict(), indent=1).encode(), EVALUATION_ARTIFACT)
    return run.id


def _version_labels(versions: list | str) -> list[str]:
    items = versions.split(",") if isinstance(versions, str) else list(versions)
    labels = [str(v).strip() for v in items if str(v).strip()]
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise InvalidValueError(
            f"versions {versions!r} are not valid: name the champion then the challenger(s), e.g. 'production,candidate' or '3,4'"
        )
    return labels


def _as_version(label: str) -> int | str:
    return int(label) if label.isdigit() else label


def _frame(data: Any):
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, (str, Path)):
        raise InvalidValueError(f"data {type(data).__name__} is not valid: pass a DataFrame or a .csv/.parquet path")
    path = Path(data)
    if not path.is_file():
        raise InvalidValueError(f"data file {str(path)!r} does not exist")
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise InvalidValueError(f"data file {path.name!r} is not valid: use a .csv or .parquet file")


def _columns(frame) -> str:
    names = [str(c) for c in frame.columns]
    return ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")


def _load_model(store: Store, name: str, row: dict):
    if row["flavor"] == "file":
        raise InvalidValueError(
            f"model {name!r} version {row['version']} was registered as a file, not a pickled object: "
            "evaluate needs models registered with register_model(name, model_object)"
        )
    with store.blobs.open(row["artifact_sha256"]) as handle:
        model = pickle.load(handle)  # the project's own registry: the same trust as its notebooks
    if not hasattr(model, "predict"):
        raise InvalidValueError(f"model {name!r} version {row['version']} ({type(model).__name__}) has no predict()")
    return model


def _features(model, frame, target: str):
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise InvalidValueError(f"the data lacks the model's feature columns {missing[:10]}")
        return frame[list(names)]
    return frame.drop(columns=[target])


def _score(model, frame, target: str, task: str) -> dict[str, float]:
    from sklearn import metrics as m

    features, truth = _features(model, frame, target), frame[target]
    predicted = model.predict(features)
    if task == "regression":
        return {
            "rmse": float(m.mean_squared_error(truth, predicted) ** 0.5),
            "mae": float(m.mean_absolute_error(truth, predicted)),
            "r2": float(m.r2_score(truth, predicted)),
        }
    scores = {
        "accuracy": float(m.accuracy_score(truth, predicted)),
        "f1": float(
            m.f1_score(
                truth,
                predicted,
                average="binary" if truth.nunique() == 2 else "macro",
                pos_label=sorted(truth.unique())[-1] if truth.nunique() == 2 else 1,
            )
        ),
    }
    if hasattr(model, "predict_proba") and truth.nunique() == 2:
        scores["roc_auc"] = float(m.roc_auc_score(truth, model.predict_proba(features)[:, 1]))
    return scores


def _slices(model, frame, target: str, task: str, column: str | None) -> dict[str, dict[str, float]]:
    if column is None:
        return {}
    groups = list(frame.groupby(column, dropna=False, observed=True))
    if len(groups) > MAX_SLICES:
        raise InvalidValueError(
            f"slice column {column!r} has {len(groups)} values: use a column with at most {MAX_SLICES}"
        )
    out = {}
    for value, part in groups:
        if task == "classification" and part[target].nunique() < 2:
            scores = {"accuracy": float((model.predict(_features(model, part, target)) == part[target]).mean())}
        else:
            scores = _score(model, part, target, task)
        out[str(value)] = scores
    return out
