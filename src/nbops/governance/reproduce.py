"""Re-create a tracked run in a fresh folder, run it again, and compare its metrics.

What a reproduction is made of, and the rules it follows:

- **Code**: the files of the run's git commit (``git archive`` of the repository holding it,
  looked for around the run's notebook, the working folder, then the project folder), with the run's recorded diff of uncommitted changes
  applied by ``git apply``. A run without a git commit falls back on the cells its provenance
  recorded (a notebook made of them); a run with neither is refused, saying what is missing.
- **Data**: every dataset the run logged with ``snapshot=True`` is pinned, so
  ``nbops.load_dataset(name)`` inside the reproduction returns the version the run logged,
  not the latest one; the snapshot is also written beside the notebook (for a package, beside
  the package folder, where export put it) as ``<name>.parquet``, never over a file of the code.
- **Params**: the run's params, typed like the defaults of the notebook's ``parameters``
  cell, through papermill; or, for a run of a generated pipeline package (tag
  ``pipeline.package``; its commit is ``pipeline.git_commit`` when the run recorded none),
  through the package's own CLI, ``python -m PKG run -p NAME=VALUE``.
- **Folder**: nbops writes only into a folder it creates (or an empty one); it marks it with a
  manifest like a generated package's (``output_folder``), so ``force`` may replace an earlier
  reproduction and nothing else.

The new run logs to the same store, tagged ``reproduces`` with the original's id.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValueError, NotFoundError, ReproductionError
from ..productionize import output_folder

__all__ = ["Reproduction", "reproduce", "DATASET_VERSIONS_VARIABLE", "VIAS"]

VIAS = ("papermill", "package")
#: JSON ``{name: dataset id}``: the versions ``load_dataset(name)`` returns inside a reproduction.
DATASET_VERSIONS_VARIABLE = "NBOPS_DATASET_VERSIONS"
TRUNCATED = "[diff truncated by nbops]"
RUN_TIMEOUT = 3600


@dataclass
class Reproduction:
    run_id: str
    new_run_id: str | None
    folder: Path
    via: str
    metrics: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    rel_tol: float = 1e-6
    abs_tol: float = 1e-9

    @property
    def differences(self) -> dict[str, tuple[float | None, float | None]]:
        """Metrics whose values differ beyond the tolerance, or exist on one side only."""
        return {k: (a, b) for k, (a, b) in self.metrics.items() if not _same(a, b, self.rel_tol, self.abs_tol)}

    @property
    def matches(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "new_run_id": self.new_run_id,
            "folder": str(self.folder),
            "via": self.via,
            "matches": self.matches,
            "rel_tol": self.rel_tol,
            "abs_tol": self.abs_tol,
            "metrics": {k: {"original": a, "reproduced": b} for k, (a, b) in self.metrics.items()},
            "differences": sorted(self.differences),
        }


def _same(a: float | None, b: float | None, rel_tol: float, abs_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)


def reproduce(
    run_id: str,
    out_dir: str | Path | None = None,
    via: str | None = None,
    *,
    store=None,
    force: bool = False,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
) -> Reproduction:
    """Re-create run ``run_id`` in ``out_dir`` (default ``reproduce-<id>``), run it, compare metrics."""
    from ..store import open_store

    store = store or open_store()
    run = store.runs.get(run_id)
    via = _choose_via(run, via)
    if rel_tol < 0 or abs_tol < 0:
        raise InvalidValueError(f"tolerances must be >= 0, got rel_tol={rel_tol}, abs_tol={abs_tol}")
    out = Path(out_dir or f"reproduce-{run_id[:12]}").expanduser().resolve()
    stores = output_folder.protected_stores(out.parent)
    output_folder.check_target(out, force, stores=stores)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=_existing_parent(out)))
    try:
        entry = _materialize_code(store, run, staging, via)
        pins = _materialize_data(store, run_id, (staging / entry).parent)
        _write_manifest(staging, run_id)
        output_folder.replace_folder(staging, out, force, stores=stores)
    finally:
        if staging.exists():
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    started = time.time()
    try:
        if via == "papermill":
            _run_papermill(store, run, out / entry, pins)
        else:
            _run_package(store, run, out / entry, pins)
    finally:  # what the run wrote is the reproduction's too, even when it failed: --force may replace it
        _write_manifest(out, run_id)
    new_id = _new_run(store, run, started)
    if new_id is not None:
        store.runs.set_tags(new_id, {"reproduces": run_id})
    reproduced = store.runs.get(new_id)["metrics"] if new_id else {}
    keys = sorted(set(run["metrics"]) | set(reproduced))
    metrics = {k: (_number(run["metrics"].get(k)), _number(reproduced.get(k))) for k in keys}
    return Reproduction(run_id, new_id, out, via, metrics, rel_tol, abs_tol)


def _choose_via(run: dict, via: str | None) -> str:
    package = run["tags"].get("pipeline.package")
    if via is None:
        return "package" if package else "papermill"
    if via not in VIAS:
        raise InvalidValueError(f"--via {via!r} is not valid: use one of {', '.join(VIAS)}")
    if via == "package" and not package:
        raise InvalidValueError(
            f"run {run['id']} did not come from a pipeline package (no tag pipeline.package): "
            "reproduce it with --via papermill"
        )
    return via


def _number(value) -> float | None:
    if isinstance(value, dict):  # a metric summary: its latest value
        value = value.get("value")
    return None if value is None else float(value)


def _existing_parent(path: Path) -> Path:
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


# -- code ----------------------------------------------------------------------------------------
def _materialize_code(store, run: dict, staging: Path, via: str) -> Path:
    """Write the run's code into ``staging``; return the notebook (or package folder) inside it."""
    notebook = _notebook_path(store, run)
    commit = run.get("git_commit")
    if not commit and via == "package":
        commit = _package_commit(run)
    if commit:
        starts = [notebook.parent] if notebook else []
        repo = _repository(starts + [Path.cwd(), store.root.parent], commit)
        _archive(repo, commit, staging)
        diff = store.provenance.get(run["id"]).get("git_diff")
        if diff:
            _apply(diff, staging, run["id"])
        if via == "package":
            return _package_folder(staging, run)
        if notebook is None or not notebook.resolve().is_relative_to(repo):
            raise InvalidValueError(
                f"run {run['id']} names no notebook inside repository {repo} "
                f"(notebook_path {run.get('notebook_path')!r}): nbops cannot tell what to run"
            )
        entry = notebook.resolve().relative_to(repo)
        if not (staging / entry).is_file():
            raise InvalidValueError(
                f"notebook {entry} is not in commit {commit[:12]} of {repo} (nor in the run's "
                "recorded diff): commit it, then track a new run"
            )
        return entry
    cells = store.provenance.get(run["id"]).get("cells")
    if via == "papermill" and cells:
        return _notebook_from_cells(cells, staging, notebook)
    raise InvalidValueError(
        f"run {run['id']} has no git commit and no recorded cells: nbops cannot re-create its "
        "code; track runs inside a git repository (or with %%track, which records the cells)"
    )


def _package_commit(run: dict) -> str | None:
    """The commit of the package's own folder, which its runs tag (``pipeline.git_commit``)."""
    commit = run["tags"].get("pipeline.git_commit")
    return commit if commit and commit != "none" else None


def _notebook_path(store, run: dict) -> Path | None:
    recorded = run.get("notebook_path")
    if not recorded:
        return None
    path = Path(recorded)
    return path if path.is_absolute() else store.root.parent / path


def _git(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    # never let git find a repository above ``cwd`` (the reproduction may sit inside the user's)
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(Path(cwd).resolve().parent)}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env, **kwargs)


def _repository(starts: list[Path], commit: str) -> Path:
    """The first git repository holding ``commit`` among those around ``starts``."""
    searched = []
    for start in starts:
        while not start.exists() and start != start.parent:
            start = start.parent
        found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True)
        if found.returncode != 0:
            continue
        repo = Path(found.stdout.strip()).resolve()
        known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=repo, capture_output=True)
        if known.returncode == 0:
            return repo
        searched.append(str(repo))
    where = (
        f"repositories {', '.join(dict.fromkeys(searched))} do not have it"
        if searched
        else "no git repository holds it"
    )
    looked = ", ".join(dict.fromkeys(map(str, starts)))
    raise NotFoundError(
        f"the run's code was at git commit {commit}, but {where} (looked around {looked}): "
        "run nbops reproduce inside the repository, after a git fetch"
    )


def _archive(repo: Path, commit: str, staging: Path) -> None:
    with tempfile.TemporaryFile() as tar:
        done = subprocess.run(["git", "archive", "--format=tar", commit], cwd=repo, stdout=tar, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise ReproductionError(f"git archive of {commit[:12]} failed: {done.stderr.decode(errors='replace')}")
        tar.seek(0)
        with tarfile.open(fileobj=tar) as archive:
            archive.extractall(staging, filter="data")


def _apply(diff: str, staging: Path, run_id: str) -> None:
    if TRUNCATED in diff:
        raise InvalidValueError(
            f"run {run_id}'s diff of uncommitted changes was too large and was truncated "
            "when it was recorded: nbops cannot re-create its code exactly"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".patch", delete=False) as patch:
        patch.write(diff)
    try:
        done = _git("apply", "--whitespace=nowarn", patch.name, cwd=staging, text=True)
    finally:
        os.unlink(patch.name)
    if done.returncode != 0:
        raise ReproductionError(f"the run's recorded diff does not apply to its commit: {done.stderr.strip()}")


def _notebook_from_cells(cells: list[dict], staging: Path, notebook: Path | None) -> Path:
    import nbformat

    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(c["source"]) for c in cells]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    entry = Path(notebook.name if notebook else "run.ipynb")
    nbformat.write(book, staging / entry)
    return entry


def _package_folder(staging: Path, run: dict) -> Path:
    package = run["tags"]["pipeline.package"]
    found = sorted(p.parents[2] for p in staging.glob(f"**/src/{package}/pipeline.py"))
    if not found:
        raise InvalidValueError(
            f"package {package!r} (tag pipeline.package of run {run['id']}) is not in the run's "
            "commit: commit the generated package folder, or reproduce with --via papermill"
        )
    return found[0].relative_to(staging)


# -- data ------------------------------------------------------------------------------------------
def _materialize_data(store, run_id: str, folder: Path) -> dict[str, int]:
    """Write each snapshot of the run beside the entry point; return the versions to pin."""
    pins = {}
    for dataset in store.datasets.of_run(run_id):
        if not dataset["snapshot_sha256"]:
            continue
        pins[dataset["name"]] = dataset["id"]
        target = folder / (re.sub(r"[^A-Za-z0-9_.-]", "_", dataset["name"]) + ".parquet")
        if not target.exists():  # the code's own file of that name wins
            target.write_bytes(store.blobs.path(dataset["snapshot_sha256"]).read_bytes())
    return pins


def _write_manifest(folder: Path, run_id: str) -> None:
    files = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not output_folder.CACHES & set(p.relative_to(folder).parts)
    ]
    (folder / output_folder.MANIFEST).write_text(
        output_folder.manifest(files, package="", notebook=f"reproduction of run {run_id}")
    )


# -- running -------------------------------------------------------------------------------------
def _environment(store, pins: dict[str, int], folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NBOPS_HOME": str(store.root),
        DATASET_VERSIONS_VARIABLE: json.dumps(pins),
        # the new run must not record the git state of a repository around the folder
        "GIT_CEILING_DIRECTORIES": str(folder.parent),
    }


def _run_papermill(store, run: dict, notebook: Path, pins: dict[str, int]) -> None:
    try:
        import papermill
    except ImportError:
        raise InvalidValueError("nbops reproduce --via papermill needs papermill: pip install papermill") from None
    declared = papermill.inspect_notebook(str(notebook))  # name -> default, inferred type, help
    params = {k: _typed(v, declared[k].get("inferred_type_name")) for k, v in run["params"].items() if k in declared}
    output = notebook.with_name(notebook.stem + ".reproduced.ipynb")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(params, file)
    try:
        command = [
            sys.executable,
            "-m",
            "papermill",
            str(notebook),
            str(output),
            "-f",
            file.name,
            "--cwd",
            str(notebook.parent),
            "--log-level",
            "WARNING",
        ]
        _execute(command, notebook.parent, _environment(store, pins, notebook.parent), f"notebook {notebook.name}")
    finally:
        os.unlink(file.name)


def _typed(text, type_name: str | None):
    """A param's stored text as the type of the notebook's default for it."""
    if not isinstance(text, str) or type_name in ("str", "string"):
        return text
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _run_package(store, run: dict, folder: Path, pins: dict[str, int]) -> None:
    package = run["tags"]["pipeline.package"]
    env = _environment(store, pins, folder)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder / "src"), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", package, "run"]
    for key, value in sorted(run["params"].items()):
        command += ["-p", f"{key}={value}"]
    _execute(command, folder, env, f"package {package}")


def _execute(command: list[str], cwd: Path, env: dict, what: str) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ReproductionError(f"{what} did not finish within {RUN_TIMEOUT} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise ReproductionError(f"{what} failed (exit {done.returncode}):\n{tail}")


def _new_run(store, run: dict, started: float) -> str | None:
    """The run the reproduction logged: same experiment and name, nested alike, started since."""
    nested = run["parent_id"] is not None
    rows = (
        store.db.connection()
        .execute(
            "SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? AND r.id != ? "
            "AND r.start_time >= ? AND r.name IS ? AND (r.parent_id IS NOT NULL) = ? ORDER BY r.start_time, r.id",
            (run["experiment"], run["id"], started, run["name"], nested),
        )
        .fetchall()
    )
    return rows[0][0] if rows else None
