"""A model card per version, as Markdown: intended use, training data, params and metrics,
evaluations, drift status, explanation and the audit trail — everything read from the store."""

from __future__ import annotations

import json
import time

from ..errors import NotFoundError
from ..store import Store

EXPLANATION_PREFIXES = ("explanation", "explain", "shap")
CARD_FEATURES = 15  # the most important features the card lists


def model_card(store: Store, name: str, version: int | str | None = None) -> str:
    """The Markdown card of ``name`` at ``version`` (a number, an alias, or the latest)."""
    row = store.models.version(name, version)
    number = row["version"]
    lineage = next(v for v in store.lineage.versions(name) if v["version"] == number)
    run = store.runs.get(lineage["run_id"]) if lineage.get("run_id") else None
    sections = [
        _header(name, lineage, run),
        _intended_use(name, lineage),
        _training_data(lineage.get("dataset")),
        _params_and_metrics(run),
        _evaluations(store, name, number),
        _drift(store, name),
        _explanation(store, run, name, number),
        _audit(store, name, number),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def _header(name: str, version: dict, run: dict | None) -> str:
    aliases = ", ".join(f"`{a}`" for a in version["aliases"]) or "none"
    lines = [
        f"# Model card: {_text(name)} version {version['version']}",
        "",
        f"- **Registered:** {_when(version['created_at'])}",
        f"- **Aliases:** {aliases}",
        f"- **Flavor:** {_text(version.get('flavor') or 'unknown')}",
        f"- **Artifact:** `{version['artifact_sha256'][:12]}`",
    ]
    if run:
        lines.append(f"- **Training run:** `{run['id']}` ({_text(run.get('experiment') or '')}, {run.get('status')})")
    return "\n".join(lines)


def _intended_use(name: str, version: dict) -> str:
    text = (version.get("intended_use") or "").strip()
    body = text or (
        f'_Not written yet. Set it with `nbops models card {name}:{version["version"]} --intended-use "..."`._'
    )
    return "## Intended use\n\n" + body


def _training_data(dataset: dict | None) -> str:
    if dataset is None:
        return "## Training data\n\n_No training dataset is linked: log it with `nbops.log_dataset(df, name)` in the training run._"
    lines = [
        "## Training data",
        "",
        f"- **Dataset:** {_text(dataset['name'])} (role {dataset['role']}, id {dataset['id']})",
        f"- **Digest:** `{dataset['digest']}`",
    ]
    if dataset.get("rows") is not None:
        lines.append(f"- **Shape:** {dataset['rows']} rows × {dataset['columns']} columns")
    schema = dataset.get("schema") or []
    if schema:
        lines += ["", "| Column | Type |", "| --- | --- |"]
        lines += [f"| {_cell(c.get('name'))} | {_cell(c.get('dtype'))} |" for c in schema[:100]]
        if len(schema) > 100:
            lines.append(f"| … {len(schema) - 100} more | |")
    return "\n".join(lines)


def _params_and_metrics(run: dict | None) -> str:
    if run is None:
        return "## Parameters and metrics\n\n_Registered without a run: no parameters or metrics._"
    out = ["## Parameters", ""]
    params = run.get("params") or {}
    out += _table(("Parameter", "Value"), sorted(params.items())) if params else ["_None logged._"]
    out += ["", "## Metrics", ""]
    metrics = run.get("metrics") or {}
    out += (
        _table(("Metric", "Value"), [(k, _number(v)) for k, v in sorted(metrics.items())])
        if metrics
        else ["_None logged._"]
    )
    return "\n".join(out)


def _evaluations(store: Store, name: str, number: int) -> str:
    from .evaluation import EVALUATION_ARTIFACT, read_evaluation

    rows = (
        store.db.connection()
        .execute(
            """SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN artifacts a ON a.run_id = r.id
           WHERE e.name = ? AND a.path = ? AND r.deleted_at IS NULL ORDER BY r.start_time DESC LIMIT 20""",
            (f"evaluate/{name}", EVALUATION_ARTIFACT),
        )
        .fetchall()
    )
    found = []
    for (run_id,) in rows:
        evaluation = read_evaluation(store, run_id)
        mine = next((v for v in evaluation["versions"] if v["version"] == number), None)
        if mine is None:
            continue
        others = ", ".join(
            f"v{v['version']} {_number(v['metrics'][evaluation['metric']])}"
            for v in evaluation["versions"]
            if v is not mine
        )
        found.append(
            (
                f"`{run_id}`",
                f"{evaluation['metric']} {_number(mine['metrics'][evaluation['metric']])}",
                others,
                _cell(evaluation["decision"]["reason"]),
            )
        )
    if not found:
        return f"## Evaluations\n\n_None yet: `nbops models evaluate {name} --versions production,{number} ...`._"
    return "\n".join(
        ["## Evaluations", ""] + _table(("Evaluation run", "This version", "Compared with", "Gate"), found)
    )


def _drift(store: Store, name: str) -> str:
    from ..drift import monitor

    try:
        subject = monitor.subject(store, name)
    except NotFoundError:
        return "## Drift\n\n_No drift check yet: run `nbops.check_drift(...)` on production data._"
    last = subject.get("last_window")
    if not last:
        return f"## Drift\n\n_Reference fitted on {subject['rows']} rows; no window scored yet._"
    tiers = ", ".join(f"{count} {tier}" for tier, count in last["tiers"].items())
    total, drifted = sum(last["tiers"].values()), last["tiers"].get("drift", 0)
    status = (
        f"drift in {drifted} of {total} features"
        if drifted
        else (
            f"warnings in {last['tiers'].get('warn', 0)} of {total} features"
            if last["tiers"].get("warn")
            else "no drift"
        )
    )
    return "\n".join(
        [
            "## Drift",
            "",
            f"- **Status:** {status}",
            f"- **Last window:** {_text(str(last['window']))} ({_when(last['created_at'])})",
            f"- **Features:** {tiers}",
            f"- **Windows scored:** {subject['windows']}",
            f"- **Unseen alerts:** {subject['unseen_alerts']}",
        ]
    )


def _explanation(store: Store, run: dict | None, name: str, number: int) -> str:
    """The version's newest ``nbops.explain`` (top features), then explanation artifacts of its run."""
    lines = []
    stored = store.explanations.latest(name, number)
    if stored:
        against = "the labels" if stored["target"] == "labels" else "the model's own predictions"
        lines += [
            f"Permutation importance of {stored['scoring']} on {stored['rows']} rows against {against} "
            f"({_when(stored['created_at'])}):",
            "",
            "| Feature | Importance | Std | Mean abs SHAP |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(f['feature'])} | {f['importance']:.4g} | {f['std']:.4g} | "
            f"{'—' if f['shap'] is None else format(f['shap'], '.4g')} |"
            for f in stored["features"][:CARD_FEATURES]
        ]
        lines += [""] + [f"- {_text(note)}" for note in stored["notes"]] + ([""] if stored["notes"] else [])
    artifacts = [a for a in store.artifacts.list(run["id"]) if _is_explanation(a["path"])] if run else []
    lines += [f"- `{_text(a['path'])}` ({a['media_type']}, {a['size']} bytes)" for a in artifacts]
    if not lines:
        return ""  # nothing logged: the card has no explanation section
    return "\n".join(["## Explanation", ""] + lines).rstrip()


def _is_explanation(path: str) -> bool:
    """``explanation.json``, ``shap_values.png`` or anything under ``explanations/``."""
    return any(part.lower().startswith(EXPLANATION_PREFIXES) for part in path.split("/"))


def _audit(store: Store, name: str, number: int) -> str:
    events = [
        e for e in store.models.events.of_model(name) if e["version"] == number or e["previous_version"] == number
    ]
    if not events:
        return "## Audit trail\n\n_No events._"
    rows = []
    for e in events:
        what = e["kind"].replace("_", " ") + (f" `{e['alias']}`" if e["alias"] else "")
        if e["previous_version"] is not None:
            what += f" (from v{e['previous_version']})"
        if e["version"] is not None:
            what += f" → v{e['version']}"
        behind = (
            f"evaluation `{e['evaluation_run_id']}`"
            if e["evaluation_run_id"]
            else (f"alert {e['alert_event_id']}" if e["alert_event_id"] else "")
        )
        rows.append((_when(e["created_at"]), _cell(e["actor"] or "unknown"), what, _cell(e["reason"] or ""), behind))
    return "\n".join(["## Audit trail", ""] + _table(("When", "Who", "What", "Why", "Behind it"), rows))


def _table(header: tuple, rows: list) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value) if not isinstance(value, (int, float)) else str(value)
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    # Markdown, not HTML: the card is rendered by Lab's sanitizing renderer; angle brackets escaped anyway
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
