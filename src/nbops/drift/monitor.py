"""Read-side queries for the Lab's Drift monitor: subjects, windows over time, one feature.

Everything here reads what ``persistence`` stored; nothing is recomputed from raw data.
Answers are plain JSON-able dicts shaped for one request per view (the heatmap, the
timelines and the sparklines of a subject come from one ``windows`` call).
"""

from __future__ import annotations

import json
from typing import Any

from nbops.drift.alerts import RULE_STATISTICS
from nbops.drift.decision import TIERS
from nbops.drift.estimates import performance_series
from nbops.drift.persistence import feature_overlay, resolve
from nbops.drift.policy import get_policy
from nbops.drift.windows import current_windows, label_time
from nbops.errors import InvalidValueError, NotFoundError

MAX_WINDOWS = 1000
# Statistics a timeline can plot, in menu order (the decision's effect comes first).
TIMELINE_STATISTICS = (
    "effect",
    "wasserstein",
    "ks",
    "psi",
    "jensen_shannon",
    "chi_square",
    "missing_rate_change",
    "out_of_range_share",
    "unseen_share",
    "domain_auc",
    "pca_error_ratio",
)  # the (multivariate) row's


def subjects(store) -> list[dict[str, Any]]:
    """Datasets with a reference and models resolving to one, most recently checked first."""
    conn = store.reader()
    names = [
        r[0]
        for r in conn.execute("SELECT DISTINCT d.name FROM datasets d JOIN drift_references r ON r.dataset_id = d.id")
    ]
    names += [r[0] for r in conn.execute("SELECT name FROM models")]
    names += [r[0] for r in conn.execute("SELECT DISTINCT subject FROM drift_windows")]
    out, seen = [], set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        item = _subject(store, name)
        if item is not None:
            out.append(item)
    out.sort(key=lambda s: (-(s["last_window"] or {}).get("created_at", 0.0), s["name"]))
    return out


def _subject(store, name: str) -> dict[str, Any] | None:
    """One subject's header, or None when it has no usable reference and no windows."""
    conn = store.reader()
    head = None
    try:
        target = resolve(store, name)
    except NotFoundError:
        target = None
    if target is not None:
        head = conn.execute(
            "SELECT rows FROM drift_references WHERE dataset_id = ?", (target["dataset_id"],)
        ).fetchone()
        if head is None and target["model_version_id"] is None:
            # The dataset's latest logging had no reference: fall back to its latest one that has.
            row = conn.execute(
                "SELECT d.id FROM datasets d JOIN drift_references r ON r.dataset_id = d.id "
                "WHERE d.name = ? ORDER BY d.created_at DESC, d.id DESC LIMIT 1",
                (name,),
            ).fetchone()
            if row is not None:
                target = dict(target, dataset_id=row[0])
                head = conn.execute("SELECT rows FROM drift_references WHERE dataset_id = ?", (row[0],)).fetchone()
    last = _last_window(conn, name)
    if (target is None or head is None) and last is None:
        return None
    dataset_id = target["dataset_id"] if target is not None and head is not None else last["dataset_id"]
    dataset = conn.execute("SELECT name, role FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    is_model = target is not None and target["model_version_id"] is not None
    return {
        "name": name,
        "kind": "model" if is_model else "dataset",
        "label": target["label"] if target is not None else name,
        "version": _version_of(conn, target, dataset_id, is_model),
        "dataset_id": dataset_id,
        "dataset": dataset["name"] if dataset else None,
        "rows": head["rows"] if head is not None else None,
        "features": conn.execute(
            "SELECT COUNT(*) FROM drift_reference_columns WHERE dataset_id = ?", (dataset_id,)
        ).fetchone()[0],
        "windows": conn.execute(
            "SELECT COUNT(*) FROM drift_windows WHERE subject = ? AND superseded_at IS NULL", (name,)
        ).fetchone()[0],
        "last_window": last and {k: last[k] for k in ("id", "window", "created_at", "tiers")},
        "unseen_alerts": conn.execute(
            "SELECT COUNT(*) FROM drift_alert_events WHERE subject = ? AND seen_at IS NULL", (name,)
        ).fetchone()[0],
    }


def _version_of(conn, target, dataset_id: int, is_model: bool) -> int:
    """The model's resolved version, or for a dataset how many times its name was logged."""
    if is_model:
        return conn.execute(
            "SELECT version FROM model_versions WHERE id = ?", (target["model_version_id"],)
        ).fetchone()[0]
    return conn.execute(
        "SELECT COUNT(*) FROM datasets WHERE name = (SELECT name FROM datasets WHERE id = ?) AND id <= ?",
        (dataset_id, dataset_id),
    ).fetchone()[0]


def _last_window(conn, subject: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, window, created_at, dataset_id FROM drift_windows WHERE subject = ? AND superseded_at IS NULL "
        "ORDER BY id DESC LIMIT 1",
        (subject,),
    ).fetchone()
    if row is None:
        return None
    counts = dict(
        conn.execute(
            "SELECT tier, COUNT(*) FROM drift_features WHERE window_id = ? GROUP BY tier", (row["id"],)
        ).fetchall()
    )
    return dict(row, tiers={t: counts.get(t, 0) for t in TIERS})


def subject(store, name: str) -> dict[str, Any]:
    """One subject's header; NotFoundError naming the known subjects when there is none."""
    item = _subject(store, name) if isinstance(name, str) and name else None
    if item is None:
        known = [s["name"] for s in subjects(store)]
        raise NotFoundError(
            f"no drift subject {name!r}: subjects are datasets logged with nbops.log_dataset and models "
            + (f"trained on one; known subjects are {known[:20]}" if known else "trained on one; there are none yet")
        )
    return item


def windows(store, name: str, limit: int = 200) -> dict[str, Any]:
    """The last ``limit`` windows of a subject in label order (``windows``), with per-feature series.

    One window per label: its latest check; ``revisions`` lists the label's earlier checks
    (newest first). ``features[i].values[stat][j]`` is feature i's ``stat`` in window j (``effect`` is the
    decision's effect), aligned with ``windows``; ``thresholds`` gives the warn/drift
    bands per statistic; ``model_versions`` are the markers for the timeline.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_WINDOWS:
        raise InvalidValueError(f"limit={limit!r} is not valid: use a whole number from 1 to {MAX_WINDOWS}")
    head = subject(store, name)
    conn = store.reader()
    rows = current_windows(
        conn,
        name,
        "id, window, created_at, policy, rows, features, drifted, share_drifted, dataset_drift, model_version_id",
    )[-limit:]
    wins = [
        dict(r, dataset_drift=bool(r["dataset_drift"]), starts_at=label_time(r["window"]), revisions=[]) for r in rows
    ]
    index = {w["id"]: j for j, w in enumerate(wins)}
    _attach_revisions(conn, name, wins)
    features = _feature_series(conn, wins, index)
    policy = wins[-1]["policy"] if wins else "default"
    return {
        "subject": head,
        "windows": wins,
        "features": features,
        "statistics": [
            s for s in TIMELINE_STATISTICS if any(any(v is not None for v in f["values"].get(s, ())) for f in features)
        ],
        "thresholds": thresholds(policy, head["rows"] or 0),
        "model_versions": model_versions(store, name),
        "performance": performance_series(conn, name, [w["window"] for w in wins]),
    }


def _attach_revisions(conn, name: str, wins: list[dict]) -> None:
    """Each window's earlier checks of the same label (re-checked windows), newest first."""
    by_label = {w["window"]: w for w in wins}
    for r in conn.execute(
        "SELECT id, window, created_at, rows, drifted, superseded_at FROM drift_windows "
        "WHERE subject = ? AND superseded_at IS NOT NULL ORDER BY id DESC",
        (name,),
    ):
        if r["window"] in by_label:
            by_label[r["window"]]["revisions"].append(dict(r))


def revisions(store, name: str, label: str) -> list[dict[str, Any]]:
    """Every check of one window label, newest (the current result) first."""
    rows = (
        store.reader()
        .execute(
            "SELECT id, window, created_at, rows, drifted, share_drifted, superseded_at, superseded_by "
            "FROM drift_windows WHERE subject = ? AND window = ? ORDER BY id DESC",
            (name, label),
        )
        .fetchall()
    )
    if not rows:
        raise NotFoundError(f"{name!r} has no window labelled {label!r}")
    return [dict(r) for r in rows]


def _feature_series(conn, wins: list[dict], index: dict[int, int]) -> list[dict[str, Any]]:
    if not wins:
        return []
    n = len(wins)
    ids = ",".join(str(w["id"]) for w in wins)  # whole numbers read from the store
    by_feature: dict[str, dict[str, Any]] = {}

    def series(feature: str, kind: str | None = None) -> dict[str, Any]:
        if feature not in by_feature:
            by_feature[feature] = {
                "feature": feature,
                "kind": kind,
                "n_reference": None,
                "tier": [None] * n,
                "statistic": [None] * n,
                "threshold": [None] * n,
                "p_adjusted": [None] * n,
                "n_current": [None] * n,
                "note": [None] * n,
                "values": {"effect": [None] * n},
            }
        return by_feature[feature]

    for r in conn.execute(f"SELECT * FROM drift_features WHERE window_id IN ({ids}) ORDER BY window_id"):
        j = index.get(r["window_id"])
        if j is None:
            continue
        s = series(r["feature"], r["kind"])
        s["n_reference"] = r["n_reference"]
        for key in ("tier", "statistic", "threshold", "p_adjusted", "n_current", "note"):
            s[key][j] = r[key]
        s["values"]["effect"][j] = r["effect"]
    for r in conn.execute(f"SELECT window_id, feature, statistic, value FROM drift_results WHERE window_id IN ({ids})"):
        j = index.get(r["window_id"])
        if j is None or r["feature"] not in by_feature:
            continue
        s = by_feature[r["feature"]]["values"].setdefault(r["statistic"], [None] * n)
        s[j] = r["value"]
    return list(by_feature.values())


def thresholds(policy_name: str, reference_rows: int) -> dict[str, dict[str, float]]:
    """warn/drift bands per effect statistic of a stored policy (for shading timelines)."""
    try:
        policy = get_policy(policy_name)
    except InvalidValueError:  # a custom policy object was used: its name is not registered
        policy = get_policy("default")
    rules = [policy.rule_for("continuous", reference_rows, 1000), policy.rule_for("categorical", reference_rows, 3)]
    if policy.missing is not None:
        rules.append(policy.missing)
    return {r.effect: {"warn": r.warn, "drift": r.drift} for r in rules if r.use_effect}


def model_versions(store, name: str) -> list[dict[str, Any]]:
    """Versions registered over time for the subject: the model's own, or those trained on the dataset."""
    conn = store.reader()
    rows = conn.execute(
        "SELECT m.name AS model, v.id, v.version, v.created_at FROM model_versions v JOIN models m ON m.id = v.model_id "
        "WHERE m.name = ? OR v.dataset_id IN (SELECT id FROM datasets WHERE name = ?) "
        "OR v.run_id IN (SELECT run_id FROM datasets WHERE name = ? AND role = 'train' AND run_id IS NOT NULL) "
        "ORDER BY v.created_at, v.id",
        (name, name, name),
    ).fetchall()
    aliases: dict[int, list[str]] = {}
    for version_id, alias in conn.execute("SELECT version_id, alias FROM model_aliases ORDER BY alias"):
        aliases.setdefault(version_id, []).append(alias)
    return [
        {
            "model": r["model"],
            "version": r["version"],
            "created_at": r["created_at"],
            "aliases": aliases.get(r["id"], []),
        }
        for r in rows
    ]


def feature_detail(store, window_id: int, feature: str) -> dict[str, Any]:
    """Reference vs current distribution of one feature in one window, with its decision row."""
    conn = store.reader()
    win = conn.execute(
        "SELECT id, subject, window, created_at, dataset_id FROM drift_windows WHERE id = ?", (window_id,)
    ).fetchone()
    if win is None:
        raise NotFoundError(f"drift window {window_id} does not exist: list windows with GET drift/{{subject}}/windows")
    row = conn.execute(
        "SELECT * FROM drift_features WHERE window_id = ? AND feature = ?", (window_id, feature)
    ).fetchone()
    if row is None:
        known = [
            r[0]
            for r in conn.execute(
                "SELECT feature FROM drift_features WHERE window_id = ? ORDER BY feature", (window_id,)
            )
        ]
        raise NotFoundError(f"window {window_id} has no feature {feature!r}; its features are {known[:50]}")
    if row["kind"] == "multivariate":
        raise NotFoundError(
            f"{feature!r} has no distribution overlay: it is a domain classifier's AUC over "
            "all numeric columns together; see its timeline"
        )
    try:
        data = feature_overlay(store, window_id, feature)
    except (InvalidValueError, KeyError):
        raise NotFoundError(f"the reference of window {window_id} no longer has feature {feature!r}") from None
    stats = dict(
        conn.execute(
            "SELECT statistic, value FROM drift_results WHERE window_id = ? AND feature = ?", (window_id, feature)
        ).fetchall()
    )
    decision = {
        k: row[k]
        for k in (
            "tier",
            "statistic",
            "effect",
            "threshold",
            "p_value",
            "p_adjusted",
            "n_reference",
            "n_current",
            "note",
        )
    }
    return dict(data, window=dict(win), decision=decision, statistics=stats)


def alert_feed(
    store, *, unseen_only: bool = False, after: int = 0, limit: int = 100, subject: str | None = None
) -> dict[str, Any]:
    """Alert events newest first (those with id > ``after``, of ``subject`` when given), and how
    many are unseen in all. Events of replaced windows stay: they are the alert history."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InvalidValueError(f"limit={limit!r} is not valid: use a whole number from 1 to 1000")
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
        raise InvalidValueError(f"after={after!r} is not valid: use an alert id (a whole number >= 0)")
    conn = store.reader()
    where = ["e.id > ?"] + (["e.seen_at IS NULL"] if unseen_only else []) + (["e.subject = ?"] if subject else [])
    rows = conn.execute(
        "SELECT e.*, w.window, w.superseded_at IS NOT NULL AS window_replaced FROM drift_alert_events e "
        f"JOIN drift_windows w ON w.id = e.window_id WHERE {' AND '.join(where)} ORDER BY e.id DESC LIMIT ?",
        (after, *([subject] if subject else []), limit),
    ).fetchall()
    unseen, latest = conn.execute(
        "SELECT (SELECT COUNT(*) FROM drift_alert_events WHERE seen_at IS NULL), "
        "(SELECT COALESCE(MAX(id), 0) FROM drift_alert_events)"
    ).fetchone()
    by_subject = dict(
        conn.execute(
            "SELECT subject, COUNT(*) FROM drift_alert_events WHERE seen_at IS NULL GROUP BY subject"
        ).fetchall()
    )
    from nbops.governance.retrain import retrains_of_events

    retrains = retrains_of_events(store, [r["id"] for r in rows])
    return {
        "alerts": [
            dict(
                r,
                features=json.loads(r["features"]),
                window_replaced=bool(r["window_replaced"]),
                retrain=retrains.get(r["id"]),
            )
            for r in rows
        ],
        "unseen": unseen,
        "unseen_by_subject": by_subject,
        "latest_id": latest,
    }


def rules_of(store, name: str) -> dict[str, Any]:
    """The alert rules that apply to a subject (its own and '*'), or the default rule."""
    if name != "*":
        subject(store, name)
    rows = (
        store.reader()
        .execute("SELECT * FROM drift_alert_rules WHERE subject IN (?, '*') ORDER BY id", (name,))
        .fetchall()
    )
    rules = [_rule_row(r) for r in rows]
    if not rules:
        from nbops.drift.persistence import DEFAULT_RULE

        rules = [
            {
                "id": None,
                "subject": "*",
                "name": DEFAULT_RULE.label,
                "statistic": DEFAULT_RULE.statistic,
                "threshold": DEFAULT_RULE.threshold,
                "consecutive": DEFAULT_RULE.consecutive,
                "cooldown": DEFAULT_RULE.cooldown,
                "features": None,
                "default": True,
            }
        ]
    return {"subject": name, "rules": rules, "statistics": list(RULE_STATISTICS)}


def _rule_row(r) -> dict[str, Any]:
    return {
        "id": r["id"],
        "subject": r["subject"],
        "name": r["name"],
        "statistic": r["statistic"],
        "threshold": r["threshold"],
        "consecutive": r["consecutive"],
        "cooldown": r["cooldown"],
        "features": json.loads(r["features"]) if r["features"] else None,
        "webhook": r["webhook"],
        "retrain": json.loads(r["retrain"]) if r["retrain"] else None,
        "default": False,
    }
