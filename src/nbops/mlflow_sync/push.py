"""Push local runs to an MLflow tracking server, idempotently and incrementally.

Each run is one chain of requests (create or find the remote run, ``log_batch`` of params,
tags and metric points within MLflow's batch limits, artifacts, dataset inputs, the end
status); chains of different runs run in parallel threads. After each accepted request the
run's high-water marks advance in the store (``sync_marks``), so a push cut short resumes
where the server stopped: a run whose last push failed first reads the server's latest step
per metric (MLflow's log_batch is one transaction, and each chain sends a metric's points in
step order), so a batch the server stored before the connection dropped is never sent twice.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import SyncError
from ..store import Store
from ..store.artifacts import ListedArtifact
from ..store.summaries import was_cut
from . import mapping
from .batches import ENDPOINT, log_batches
from .server import TrackingServer

DEFAULT_WORKERS = 4  # more starved a default MLflow server (15 database connections) on a small host
_ALL_RUNS = 3  # mlflow.entities.ViewType.ALL: deleted runs too
INTERRUPTED = "the push stopped before this run was complete; the next push resumes it"


@dataclass
class RunOutcome:
    id: str
    action: str  # created, updated, unchanged, pulled (skipped), deleted_on_server, failed; "would ..." when dry
    remote_id: str | None = None
    points: int = 0
    params: int = 0
    tags: int = 0
    artifacts: int = 0
    datasets: int = 0
    model_versions: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class PushReport:
    target: str
    dry_run: bool
    runs: list[RunOutcome]
    requests: int
    seconds: float

    @property
    def points(self) -> int:
        return sum(r.points for r in self.runs)

    @property
    def failed(self) -> list[RunOutcome]:
        return [r for r in self.runs if r.action in ("failed", "deleted_on_server")]

    def lines(self) -> list[str]:
        """Human-readable summary, one line per run that did something, then totals."""
        out = []
        for r in self.runs:
            if r.action == "unchanged" or r.action == "pulled":
                continue
            sent = ", ".join(
                f"{n} {w}"
                for n, w in (
                    (r.points, "points"),
                    (r.params, "params"),
                    (r.tags, "tags"),
                    (r.artifacts, "artifacts"),
                    (r.datasets, "datasets"),
                    (r.model_versions, "model versions"),
                )
                if n
            )
            out.append(f"{r.id} {r.action}" + (f" ({sent})" if sent else "") + (f": {r.error}" if r.error else ""))
            out.extend(f"{r.id} warning: {w}" for w in r.warnings)
        counts: dict[str, int] = {}
        for r in self.runs:
            counts[r.action] = counts.get(r.action, 0) + 1
        verb = "would push" if self.dry_run else "pushed"
        out.append(
            f"{verb} {len(self.runs)} run(s) to {self.target}: "
            + ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
            + f"; {self.points} points in {self.requests} requests, {self.seconds:.1f} s"
        )
        return out


def push(
    store: Store,
    uri: str,
    experiments: Iterable[str] | None = None,
    since: float | None = None,
    run_ids: Iterable[str] | None = None,
    dry_run: bool = False,
    workers: int = DEFAULT_WORKERS,
    after_batch: Callable[[str, int], None] | None = None,
) -> PushReport:
    """Copy runs (all, or of ``experiments``, started at or after ``since``, or ``run_ids``)
    to the MLflow server at ``uri``. Raises :class:`SyncError`, with the store untouched, when
    the server cannot be used at all; a run that fails midway is reported and resumes next time.
    ``after_batch(run_id, points)`` is called after each accepted ``log_batch``."""
    started = time.perf_counter()
    runs = _select(store, experiments, since, run_ids)
    if dry_run:
        from ..store.sync import clean_target

        target = clean_target(uri)
        outcomes = [_Chain(store, None, target, run, {}, after_batch).plan_only() for run in runs]
        return PushReport(target, True, outcomes, 0, time.perf_counter() - started)
    server = TrackingServer(uri)
    server.check()
    pusher = _Pusher(store, server, after_batch)
    outcomes = pusher.push_all(runs, workers)
    return PushReport(server.target, False, outcomes, server.requests, time.perf_counter() - started)


def _select(store: Store, experiments, since, run_ids) -> list[dict]:
    """Runs to push, parents before children (a child needs its parent's remote id)."""
    wanted = set(run_ids) if run_ids is not None else None
    runs: dict[str, dict] = {}
    for experiment in list(experiments) if experiments else [None]:
        cursor = None
        while True:
            page = store.runs.search(experiment=experiment, order_by="start_time", limit=1000, cursor=cursor)
            for run in page.runs:
                if (since is None or run["start_time"] >= since) and (wanted is None or run["id"] in wanted):
                    # a listing cuts long values; MLflow gets them whole
                    runs[run["id"]] = store.runs.get(run["id"]) if was_cut(run) else run
            cursor = page.next_cursor
            if cursor is None:
                break
    # a selected child brings its parent along
    for run in list(runs.values()):
        parent = run.get("parent_id")
        while parent and parent not in runs:
            runs[parent] = store.runs.get(parent)
            parent = runs[parent].get("parent_id")
    depth: dict[str, int] = {}

    def level(run_id: str) -> int:
        if run_id not in depth:
            parent = runs[run_id].get("parent_id")
            depth[run_id] = 0 if not parent or parent not in runs else level(parent) + 1
        return depth[run_id]

    return sorted(runs.values(), key=lambda r: (level(r["id"]), r["start_time"], r["id"]))


class _Pusher:
    def __init__(self, store: Store, server: TrackingServer, after_batch):
        self.store, self.server, self.after_batch = store, server, after_batch
        self.experiment_ids: dict[str, str] = {}
        self.new_experiments: set[str] = set()  # created by this push: they hold none of our runs yet
        self.remote_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def push_all(self, runs: list[dict], workers: int) -> list[RunOutcome]:
        for name in dict.fromkeys(run["experiment"] for run in runs):
            self.experiment_ids[name] = self._experiment(name)
        outcomes: dict[str, RunOutcome] = {}
        by_id = {run["id"]: run for run in runs}
        levels: dict[int, list[dict]] = {}
        for run in runs:  # already parents first; group by depth so each wave can run in parallel
            depth = 0
            parent = run.get("parent_id")
            while parent in by_id:
                depth += 1
                parent = by_id[parent].get("parent_id")
            levels.setdefault(depth, []).append(run)
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="nbops-push") as pool:
            for depth in sorted(levels):
                for outcome in pool.map(self._push_one, levels[depth]):
                    outcomes[outcome.id] = outcome
        self._push_models(runs, outcomes)
        return [outcomes[run["id"]] for run in runs]

    def _experiment(self, name: str) -> str:
        found = self.server.call("get_experiment_by_name", name)
        if found is None:
            created = self.server.call("create_experiment", name)
            self.new_experiments.add(created)
            return created
        if found.lifecycle_stage == "deleted":
            raise SyncError(
                f"experiment {name!r} is deleted on the MLflow server at {self.server.target}; "
                "restore it there (mlflow experiments restore) or push another experiment"
            )
        return found.experiment_id

    def _push_one(self, run: dict) -> RunOutcome:
        parent = run.get("parent_id")
        remote_parent = None
        if parent:
            with self._lock:
                remote_parent = self.remote_ids.get(parent)
            if remote_parent is None:
                known = self.store.sync.remote(self.server.target, parent)
                remote_parent = known["remote_id"] if known else None
        chain = _Chain(
            self.store,
            self.server,
            self.server.target,
            run,
            {
                "experiment_id": self.experiment_ids[run["experiment"]],
                "remote_parent": remote_parent,
                "new_experiment": self.experiment_ids[run["experiment"]] in self.new_experiments,
            },
            self.after_batch,
        )
        try:
            outcome = chain.push()
        except SyncError as exc:
            outcome = chain.outcome
            outcome.action, outcome.error = "failed", exc.message
            self.store.sync.record(self.server.target, run["id"], "failed", error=exc.message)
        if outcome.remote_id:
            with self._lock:
                self.remote_ids[run["id"]] = outcome.remote_id
        return outcome

    def _push_models(self, runs: list[dict], outcomes: dict[str, RunOutcome]) -> None:
        """Model versions of the pushed runs (their file as a run artifact) and their aliases."""
        from ..errors import NotFoundError

        ok = {r["id"] for r in runs if outcomes[r["id"]].action in ("created", "updated", "unchanged")}
        for model in self.store.models.list():
            versions = [v for v in reversed(self.store.models.versions(model["name"])) if v["run_id"] in ok]
            for version in versions:
                outcome = outcomes[version["run_id"]]
                try:
                    self._push_version(model["name"], version, outcome)
                except SyncError as exc:
                    outcome.action, outcome.error = "failed", exc.message
                    self.store.sync.record(self.server.target, version["run_id"], "failed", error=exc.message)
                except NotFoundError as exc:
                    outcome.warnings.append(exc.message)

    def _push_version(self, name: str, version: dict, outcome: RunOutcome) -> None:
        target, run_id, remote_run = self.server.target, version["run_id"], outcome.remote_id
        marks = self.store.sync.marks(target, run_id)
        key = f"{name}/{version['version']}"
        remote_version = marks.get("model_version", {}).get(key)
        if remote_version is None:
            path = mapping.model_artifact(name, version["version"])
            with self.store.blobs.open(version["artifact_sha256"]) as blob:
                _upload(self.server, remote_run, path, blob.read())
            if self.server.call("search_registered_models", filter_string=f"name = '{_quote(name)}'") == []:
                self.server.call("create_registered_model", name)
            created = self.server.call(
                "create_model_version",
                name,
                f"runs:/{remote_run}/{path}",
                run_id=remote_run,
                tags={
                    mapping.FLAVOR_TAG: version.get("flavor") or "",
                    mapping.SHA_TAG: version["artifact_sha256"],
                    mapping.VERSION_TAG: str(version["version"]),
                },
            )
            remote_version = int(created.version)
            self.store.sync.advance(target, run_id, "model_version", {key: remote_version})
            outcome.model_versions += 1
            if outcome.action == "unchanged":
                outcome.action = "updated"
        for alias in version["aliases"]:
            alias_key = f"{name}@{alias}"
            if marks.get("alias", {}).get(alias_key) != remote_version:
                self.server.call("set_registered_model_alias", name, alias, str(remote_version))
                self.store.sync.advance(target, run_id, "alias", {alias_key: remote_version})


def _quote(text: str) -> str:
    return text.replace("'", "\\'")


def _upload(
    server: TrackingServer, remote_run: str, path: str, content: bytes, artifact_uri: str | None = None
) -> None:
    """Send bytes as the artifact at ``path`` of a remote run, through the server's proxy.
    With the run's ``artifact_uri`` known, MLflow's client need not look the run up first."""
    folder, _, name = path.rpartition("/")
    with tempfile.TemporaryDirectory(prefix="nbops-push-") as tmp:
        local = os.path.join(tmp, name)
        with open(local, "wb") as out:
            out.write(content)
        if artifact_uri is None:
            server.call("log_artifact", remote_run, local, folder or None)
            return
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        with server.translated("log_artifact"):
            server.count()
            get_artifact_repository(artifact_uri, tracking_uri=server.uri).log_artifact(local, folder or None)


class _Chain:
    """The requests of one run, sent one after another, marks advancing after each."""

    def __init__(self, store: Store, server: TrackingServer | None, target: str, run: dict, where: dict, after_batch):
        self.store, self.server, self.target, self.run, self.where = store, server, target, run, where
        self.after_batch = after_batch
        self.outcome = RunOutcome(run["id"], "unchanged")
        self.artifact_uri: str | None = None
        self.marks = store.sync.marks(target, run["id"])

    # -- planning (no network) -------------------------------------------------------
    def plan_only(self) -> RunOutcome:
        known = self.store.sync.remote(self.target, self.run["id"])
        if known and known["origin"]:
            return RunOutcome(self.run["id"], "pulled", known["remote_id"])
        o = self.outcome
        o.remote_id = known["remote_id"] if known else None
        o.params = len(self._params_to_send()[0])
        o.tags = len(self._tags_to_send())
        o.points = self._count_points(self._keys_to_send())
        o.artifacts = len(self._artifacts_to_send())
        o.datasets = len(self._datasets_to_send())
        if known is None:
            o.action = "would create"
        elif o.params or o.tags or o.points or o.artifacts or o.datasets or self._status_changed():
            o.action = "would update"
        return o

    def _params_to_send(self) -> tuple[dict[str, str], dict[str, bytes], list[str]]:
        """(params to log, full values to store as artifacts, warnings)."""
        sent = self.marks.get("param", {})
        params, files, warnings = {}, {}, []
        for key, value in (self.run.get("params") or {}).items():
            value = "" if value is None else str(value)
            short, full = mapping.split_param(key, value, mapping.param_limit())
            mark = mapping.digest(value)
            if key in sent:
                if sent[key] != mark:
                    warnings.append(
                        f"param {key!r} changed after it was pushed; MLflow params cannot change, "
                        "so the server keeps the first value"
                    )
                continue
            params[key] = short
            if full is not None:
                files[mapping.param_artifact(key)] = full
        self.outcome.warnings.extend(warnings)
        return params, files, warnings

    def _tags_to_send(self) -> dict[str, str]:
        sent = self.marks.get("tag", {})
        tags = mapping.run_tags(self.run, self.where.get("remote_parent"))
        return {k: v for k, v in tags.items() if sent.get(k) != mapping.digest(v)}

    def _keys_to_send(self) -> dict[str, int | None]:
        """Per metric key with points above its mark, that mark (None: nothing sent yet)."""
        sent = self.marks.get("metric", {})
        return {
            key: sent.get(key)
            for key, summary in self.store.metrics.summary(self.run["id"]).items()
            if sent.get(key) is None or summary["step"] > sent[key]
        }

    def _count_points(self, keys: dict[str, int | None]) -> int:
        conn = self.store.reader()
        return sum(
            conn.execute(
                "SELECT count(*) FROM metrics WHERE run_id = ? AND key = ? AND step > ?",
                (self.run["id"], key, -(2**63) if mark is None else mark),
            ).fetchone()[0]
            for key, mark in keys.items()
        )

    def _artifacts_to_send(self) -> list[ListedArtifact]:
        sent = self.marks.get("artifact", {})
        return [a for a in self.store.artifacts.list(self.run["id"]) if sent.get(a["path"]) != a["sha256"]]

    def _datasets_to_send(self) -> list[dict]:
        sent = self.marks.get("dataset", {})
        return [d for d in self.store.datasets.of_run(self.run["id"]) if str(d["id"]) not in sent]

    def _status_mark(self) -> str:
        return f"{self.run['status']}:{mapping.ms(self.run.get('end_time'))}"

    def _status_changed(self) -> bool:
        # a running run was created RUNNING; only its end is news
        return self.run["status"] != "running" and self.marks.get("run", {}).get("status") != self._status_mark()

    # -- sending -----------------------------------------------------------------------
    def push(self) -> RunOutcome:
        run, o = self.run, self.outcome
        known = self.store.sync.remote(self.target, run["id"])
        if known and known["origin"]:
            o.action, o.remote_id = "pulled", known["remote_id"]
            return o  # it came from this server: pushing it back is a no-op
        params, files, _ = self._params_to_send()
        keys = self._keys_to_send()
        artifacts, datasets = self._artifacts_to_send(), self._datasets_to_send()
        tags_pending = self._tags_to_send()
        if (
            known
            and known["state"] == "pushed"
            and not (params or keys or artifacts or datasets or tags_pending or self._status_changed())
        ):
            o.remote_id = known["remote_id"]
            return o  # nothing new: not a single request
        remote = self._remote_run(known)
        if remote is None:
            return o
        o.remote_id = remote
        if o.action != "created" and (known is None or known["state"] != "pushed"):
            self._reconcile(remote)
            params, files, _ = self._params_to_send()
            keys = self._keys_to_send()
        for path, content in files.items():
            _upload(self.server, remote, path, content, self.artifact_uri)
            o.artifacts += 1
        self._send_batches(remote, params, self._tags_to_send(), keys)
        self._send_artifacts(remote, artifacts)
        self._send_datasets(remote, datasets)
        if self._status_changed():
            self.server.call(
                "set_terminated",
                remote,
                status=mapping.mlflow_status(run["status"]),
                end_time=mapping.ms(run.get("end_time")),
            )
            self.store.sync.advance(self.target, run["id"], "run", {"status": self._status_mark()})
            if o.action == "unchanged":
                o.action = "updated"
        if o.action == "unchanged" and (o.points or o.params or o.tags or o.artifacts or o.datasets):
            o.action = "updated"
        self.store.sync.record(self.target, run["id"], "pushed", remote_id=remote)
        return o

    def _remote_run(self, known: dict | None) -> str | None:
        """The remote run's id: the known one (checked to still exist), one found by its
        nbops id tag, or a new one."""
        run, o = self.run, self.outcome
        remote_id = known["remote_id"] if known else None
        if remote_id is None:
            # A run this store never recorded may still be there (a copy of the store, a crash
            # right after the run was created): look for its id tag, unless the experiment is new.
            found = (
                []
                if self.where.get("new_experiment")
                else self.server.call(
                    "search_runs",
                    [self.where["experiment_id"]],
                    filter_string=f"tags.`{mapping.RUN_ID_TAG}` = '{run['id']}'",
                    run_view_type=_ALL_RUNS,
                    max_results=5,
                )
            )
            if found:
                remote_id, self.artifact_uri = found[0].info.run_id, found[0].info.artifact_uri
                if found[0].info.lifecycle_stage == "deleted":
                    return self._deleted(remote_id)
                self.store.sync.record(self.target, run["id"], "failed", remote_id=remote_id, error=INTERRUPTED)
                return remote_id
            created = self.server.call(
                "create_run",
                self.where["experiment_id"],
                start_time=mapping.ms(run["start_time"]),
                tags={mapping.RUN_ID_TAG: run["id"]},
                run_name=run.get("name"),
            )
            # remembered before anything else is sent, so an interruption never makes a second copy
            self.store.sync.record(self.target, run["id"], "failed", remote_id=created.info.run_id, error=INTERRUPTED)
            o.action, self.artifact_uri = "created", created.info.artifact_uri
            return created.info.run_id
        existing = self._fetch(remote_id)
        if existing is None or existing.info.lifecycle_stage == "deleted":
            return self._deleted(remote_id)
        self._existing, self.artifact_uri = existing, existing.info.artifact_uri
        return remote_id

    def _fetch(self, remote_id: str):
        from mlflow.exceptions import MlflowException

        try:
            with self.server.translated("get_run"):
                self.server.count()
                return self.server.client.get_run(remote_id)
        except MlflowException:  # pragma: no cover - translated() re-raises as SyncError
            raise
        except SyncError as exc:
            if exc.status == 404 or "RESOURCE_DOES_NOT_EXIST" in exc.message:
                return None
            raise

    def _deleted(self, remote_id: str) -> None:
        o = self.outcome
        o.action, o.remote_id = "deleted_on_server", remote_id
        o.error = (
            f"MLflow run {remote_id} was deleted on the server at {self.target}; nbops does not recreate it "
            "(restore it there with `mlflow runs restore`, then push again)"
        )
        self.store.sync.record(self.target, self.run["id"], "failed", remote_id=remote_id, error=o.error)
        return None

    def _reconcile(self, remote_id: str) -> None:
        """After an interrupted push: count as sent what the server already holds."""
        existing = getattr(self, "_existing", None) or self._fetch(remote_id)
        if existing is None:
            return
        steps = {m.key: m.step for m in existing.data._metric_objs}
        metric_marks = self.marks.setdefault("metric", {})
        moved = {k: s for k, s in steps.items() if metric_marks.get(k) is None or s > metric_marks[k]}
        params = {}
        for key, value in (self.run.get("params") or {}).items():
            value = "" if value is None else str(value)
            if existing.data.params.get(key) == mapping.split_param(key, value, mapping.param_limit())[0]:
                params[key] = mapping.digest(value)
        with self.store.transaction() as conn:
            self.store.sync.advance(self.target, self.run["id"], "metric", moved, conn=conn)
            self.store.sync.advance(self.target, self.run["id"], "param", params, conn=conn)
        metric_marks.update(moved)
        self.marks.setdefault("param", {}).update(params)

    def _send_batches(self, remote: str, params: dict, tags: dict, keys: dict[str, int | None]) -> None:
        """``log_batch`` requests one after another (a run's points reach the server in step
        order, which resuming relies on), each mark advancing once the server accepted it."""
        full = self.run.get("params") or {}
        sync, o = self.store.sync, self.outcome
        for batch in log_batches(self.store.reader(), self.run["id"], remote, params, tags, keys):
            self.server.post_again(ENDPOINT, batch.body, "log_batch")
            with self.store.transaction() as conn:
                sync.advance(self.target, self.run["id"], "metric", batch.steps, conn=conn)
                param_marks = {k: mapping.digest("" if full.get(k) is None else str(full[k])) for k in batch.params}
                sync.advance(self.target, self.run["id"], "param", param_marks, conn=conn)
                tag_marks = {k: mapping.digest(v) for k, v in batch.tags.items()}
                sync.advance(self.target, self.run["id"], "tag", tag_marks, conn=conn)
            o.points += batch.points
            o.params += len(batch.params)
            o.tags += len(batch.tags)
            if self.after_batch is not None:
                self.after_batch(self.run["id"], batch.points)

    def _send_artifacts(self, remote: str, artifacts: list[dict]) -> None:
        for artifact in artifacts:
            with self.store.blobs.open(artifact["sha256"]) as blob:
                _upload(self.server, remote, artifact["path"], blob.read(), self.artifact_uri)
            self.store.sync.advance(self.target, self.run["id"], "artifact", {artifact["path"]: artifact["sha256"]})
            self.outcome.artifacts += 1

    def _send_datasets(self, remote: str, datasets: list[dict]) -> None:
        if not datasets:
            return
        from mlflow.entities import Dataset, DatasetInput, InputTag

        inputs = [
            DatasetInput(
                Dataset(**mapping.dataset_fields(d)),
                tags=[InputTag("mlflow.data.context", mapping.dataset_context(d["role"]))],
            )
            for d in datasets
        ]
        self.server.call("log_inputs", remote, datasets=inputs)
        self.store.sync.advance(self.target, self.run["id"], "dataset", {str(d["id"]): d["digest"] for d in datasets})
        self.outcome.datasets += len(datasets)
