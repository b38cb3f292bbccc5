"""Pull runs from an MLflow tracking server into the local store.

Each pulled run keeps its nbops id when it has one (it was pushed by nbops) and remembers
its origin (``sync_runs.origin``), so pushing it back to the same server sends nothing. A
run pushed from this very store is already here and is left alone. Pulling again brings only
metric points above each key's mark, and tags, artifacts, datasets and model versions not
seen yet.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import SyncError
from ..store import Store
from ..store.imports import finish_import, insert_run, update_run
from ..store.runs import new_run_id
from . import mapping
from .server import TrackingServer

PAGE = 1000


@dataclass
class PullReport:
    target: str
    created: list[str]
    updated: list[str]
    skipped: list[str]  # runs of this store, pushed earlier: already here
    points: int
    artifacts: int
    model_versions: int
    requests: int
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"pulled from {self.target}: {len(self.created)} new run(s), {len(self.updated)} updated, "
            f"{len(self.skipped)} already local; {self.points} points, {self.artifacts} artifacts, "
            f"{self.model_versions} model versions in {self.requests} requests, {self.seconds:.1f} s"
        ]


def pull(store: Store, uri: str, experiments: Iterable[str] | None = None, artifacts: bool = True) -> PullReport:
    started = time.perf_counter()
    server = TrackingServer(uri)
    server.check()
    report = PullReport(server.target, [], [], [], 0, 0, 0, 0, 0.0)
    puller = _Puller(store, server, report, artifacts)
    remote_runs = puller.remote_runs(experiments)
    local_ids = puller.pull_runs(remote_runs)
    puller.pull_models(local_ids)
    report.requests, report.seconds = server.requests, time.perf_counter() - started
    return report


class _Puller:
    def __init__(self, store: Store, server: TrackingServer, report: PullReport, artifacts: bool):
        self.store, self.server, self.report, self.fetch_artifacts = store, server, report, artifacts
        self.target = server.target

    def remote_runs(self, experiments: Iterable[str] | None) -> list:
        names = list(experiments or [])
        if names:
            found = []
            for name in names:
                experiment = self.server.call("get_experiment_by_name", name)
                if experiment is None:
                    raise SyncError(f"the MLflow server at {self.target} has no experiment {name!r}")
                found.append(experiment)
        else:
            found = self.server.call("search_experiments", max_results=PAGE)
        runs = []
        for experiment in found:
            token = None
            while True:
                page = self.server.call(
                    "search_runs",
                    [experiment.experiment_id],
                    max_results=PAGE,
                    order_by=["attributes.start_time ASC"],
                    page_token=token,
                )
                runs.extend((experiment.name, run) for run in page)
                token = page.token
                if not token:
                    break
        return runs

    def pull_runs(self, remote_runs: list) -> dict[str, str]:
        """Pull each run, parents first; returns remote id -> local id of every run here."""
        by_id = {run.info.run_id: (name, run) for name, run in remote_runs}
        local: dict[str, str] = {}

        def depth(remote_id: str) -> int:
            parent = by_id[remote_id][1].data.tags.get("mlflow.parentRunId")
            return 0 if parent not in by_id else depth(parent) + 1

        for remote_id in sorted(by_id, key=lambda r: (depth(r), by_id[r][1].info.start_time or 0)):
            experiment, run = by_id[remote_id]
            local_id = self._pull_run(experiment, run, local)
            if local_id is not None:
                local[remote_id] = local_id
        return local

    def _pull_run(self, experiment: str, run, local: dict[str, str]) -> str | None:
        remote_id, tags = run.info.run_id, run.data.tags
        known = self.store.sync.local_id(self.target, remote_id)
        nbops_id = tags.get(mapping.RUN_ID_TAG)
        if known is None and nbops_id and self._exists(nbops_id):
            state = self.store.sync.remote(self.target, nbops_id)
            if state is None or not state["origin"]:
                self.report.skipped.append(nbops_id)  # pushed from here: this store is its origin
                return nbops_id
        if known is None:
            run_id = nbops_id if nbops_id and not self._exists(nbops_id) else new_run_id()
            self._insert(experiment, run, run_id, local)
            self.report.created.append(run_id)
        else:
            run_id = known
            self.report.updated.append(run_id)
            with self.store.transaction() as conn:
                update_run(
                    conn,
                    run_id,
                    mapping.nbops_status(run.info.status, tags),
                    mapping.seconds(run.info.end_time),
                    tags.get(mapping.NOTE_TAG),
                )
        marks = self.store.sync.marks(self.target, run_id)
        self._pull_metrics(run, run_id, marks.get("metric", {}))
        if self.fetch_artifacts:
            self._pull_artifacts(remote_id, run_id, marks.get("artifact", {}))
        self._pull_datasets(run, run_id, marks.get("dataset", {}))
        with self.store.transaction() as conn:
            finish_import(conn, run_id)
            self.store.sync.record(self.target, run_id, "pulled", remote_id=remote_id, origin=True, conn=conn)
        return run_id

    def _exists(self, run_id: str) -> bool:
        return self.store.reader().execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is not None

    def _insert(self, experiment: str, run, run_id: str, local: dict[str, str]) -> None:
        info, tags = run.info, run.data.tags
        user_tags = {k: v for k, v in tags.items() if k not in mapping.SYSTEM_TAGS and not k.startswith("mlflow.")}
        params = {k: _param_value(v) for k, v in run.data.params.items()}
        for key, value in run.data.params.items():
            if value.endswith(f"artifact {mapping.param_artifact(key)}]"):
                params[key] = self._download_text(info.run_id, mapping.param_artifact(key))
        dirty = tags.get(mapping.DIRTY_TAG)
        row = {
            "id": run_id,
            "experiment_id": self.store.runs.experiment_id(experiment),
            "name": tags.get("mlflow.runName") or info.run_name,
            "status": mapping.nbops_status(info.status, tags),
            "start_time": mapping.seconds(info.start_time) or time.time(),
            "end_time": mapping.seconds(info.end_time),
            "host": tags.get(mapping.HOST_TAG),
            "user": tags.get("mlflow.user") or info.user_id,
            "notebook_path": tags.get("mlflow.source.name"),
            "git_commit": tags.get("mlflow.source.git.commit"),
            "git_branch": tags.get("mlflow.source.git.branch"),
            "git_dirty": None if dirty is None else int(dirty == "true"),
            "parent_id": local.get(tags.get("mlflow.parentRunId", "")),
            "note": tags.get(mapping.NOTE_TAG),
        }
        with self.store.transaction() as conn:
            insert_run(conn, row, params, user_tags)
            self.store.sync.record(self.target, run_id, "pulled", remote_id=info.run_id, origin=True, conn=conn)

    def _pull_metrics(self, run, run_id: str, marks: dict) -> None:
        from concurrent.futures import ThreadPoolExecutor

        latest = {m.key: m.step for m in run.data._metric_objs}
        keys = [k for k, step in latest.items() if marks.get(k) is None or step > marks[k]]
        if not keys:
            return

        def history(key):
            return key, self.server.call("get_metric_history", run.info.run_id, key)

        with ThreadPoolExecutor(max_workers=4) as pool:
            histories = list(pool.map(history, keys))
        points, new_marks = [], {}
        for key, metrics in histories:
            mark = marks.get(key)
            rows = [
                (run_id, key, m.step, m.value, mapping.seconds(m.timestamp))
                for m in metrics
                if mark is None or m.step > mark
            ]
            points.extend(rows)
            if rows:
                new_marks[key] = max(r[2] for r in rows)
        with self.store.transaction() as conn:
            self.store.metrics.write(points, conn=conn)
            self.store.sync.advance(self.target, run_id, "metric", new_marks, conn=conn)
        self.report.points += len(points)

    def _pull_artifacts(self, remote_id: str, run_id: str, marks: dict) -> None:
        for path in self._artifact_paths(remote_id, ""):
            if path.startswith(mapping.INTERNAL_DIR + "/") or path in marks:
                continue
            with tempfile.TemporaryDirectory(prefix="nbops-pull-") as tmp:
                local = self.server.call("download_artifacts", remote_id, path, tmp)
                sha, size = self.store.blobs.put_file(local)
            self.store.artifacts.add(run_id, path, sha, size, mapping.media_type(path))
            self.store.sync.advance(self.target, run_id, "artifact", {path: sha})
            self.report.artifacts += 1

    def _artifact_paths(self, remote_id: str, folder: str) -> list[str]:
        paths = []
        for item in self.server.call("list_artifacts", remote_id, folder or None):
            if item.is_dir:
                paths.extend(self._artifact_paths(remote_id, item.path))
            else:
                paths.append(item.path)
        return paths

    def _download_text(self, remote_id: str, path: str) -> str:
        with tempfile.TemporaryDirectory(prefix="nbops-pull-") as tmp:
            local = self.server.call("download_artifacts", remote_id, path, tmp)
            with open(local, encoding="utf-8") as handle:
                return handle.read()

    def _pull_datasets(self, run, run_id: str, marks: dict) -> None:
        inputs = getattr(run, "inputs", None)
        new = {}
        for item in inputs.dataset_inputs if inputs else []:
            context = next((t.value for t in item.tags if t.key == "mlflow.data.context"), None)
            fields = mapping.dataset_from_mlflow(item.dataset, context)
            key = f"{fields['name']}:{fields['digest']}:{fields['role']}"
            if key in marks or key in new:
                continue
            self.store.datasets.add(run_id, **fields)
            new[key] = fields["digest"]
        if new:
            self.store.sync.advance(self.target, run_id, "dataset", new)

    def pull_models(self, local: dict[str, str]) -> None:
        """Versions of registered models made from the pulled runs, and their aliases."""
        for model in self.server.call("search_registered_models", max_results=PAGE):
            versions = self.server.call(
                "search_model_versions", f"name = '{model.name.replace(chr(39), chr(92) + chr(39))}'"
            )
            mapped: dict[int, int] = {}
            for version in sorted(versions, key=lambda v: int(v.version)):
                run_id = local.get(version.run_id or "")
                if run_id is None or run_id in self.report.skipped:
                    continue
                key = f"{model.name}/{version.version}"
                marks = self.store.sync.marks(self.target, run_id).get("model_version", {})
                if key in marks:
                    mapped[int(version.version)] = int(marks[key])
                    continue
                mapped[int(version.version)] = self._pull_version(model.name, version, run_id, key)
            for alias, remote_version in (model.aliases or {}).items():
                if int(remote_version) in mapped:
                    self.store.models.set_alias(model.name, alias, mapped[int(remote_version)])

    def _pull_version(self, name: str, version, run_id: str, key: str) -> int:
        source = version.source or ""
        with tempfile.TemporaryDirectory(prefix="nbops-pull-") as tmp:
            if source.startswith("runs:/"):
                remote_run, _, path = source[len("runs:/") :].partition("/")
                local = self.server.call("download_artifacts", remote_run, path, tmp)
            else:
                from mlflow.artifacts import download_artifacts

                with self.server.translated("download_artifacts"):
                    local = download_artifacts(artifact_uri=source, dst_path=tmp, tracking_uri=self.server.uri)
            if os.path.isdir(local):
                raise SyncError(
                    f"model {name!r} version {version.version} at {self.target} is a folder "
                    f"({source}); nbops keeps one file per model version"
                )
            sha, _ = self.store.blobs.put_file(local)
        flavor = (version.tags or {}).get(mapping.FLAVOR_TAG) or "mlflow"
        dataset = [d for d in self.store.datasets.of_run(run_id) if d["role"] == "train"]
        created = self.store.models.add_version(
            name, sha, run_id=run_id, dataset_id=dataset[-1]["id"] if dataset else None, flavor=flavor
        )
        self.store.sync.advance(self.target, run_id, "model_version", {key: created["version"]})
        self.report.model_versions += 1
        return created["version"]


def _param_value(text: str):
    """MLflow params are text; give numbers back as numbers so filters like ``params.lr > 0.01``
    work as they do for runs logged here (only when the text is exactly that number)."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        if str(number) == text:
            return number
    return text
