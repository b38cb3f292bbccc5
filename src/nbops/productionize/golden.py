"""The golden run: the tagged cells, top to bottom, in a fresh kernel, with every step's
inputs and outputs recorded. Run twice; outputs that differ are marked nondeterministic.

The cells run inside one pipeline run, exactly as the package will run them (the package's own
``tracking.py``), but against a scratch store (``NBOPS_HOME`` in a temporary folder): the clean
runs never appear among the user's runs or models."""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValueError
from .diagnostics import Diagnostic
from .equivalence import rerun_diagnostic

__all__ = ["Recording", "golden_run"]

_FINGERPRINT_SOURCE = Path(__file__).with_name("fingerprint.py")
_RUNLOG_SOURCE = Path(__file__).with_name("runlog.py")
_SERIALIZATION_SOURCE = Path(__file__).with_name("serialization.py")

_PRELUDE = """\
import os as _nbops_os, sys as _nbops_sys
_nbops_os.environ["NBOPS_HOME"] = {scratch_store!r}  # never the user's store
# the kernel's own command line (-f CONNECTION_FILE) is no input of the notebook's: the steps
# see none either (_workdir.inside), so parser.parse_known_args() gives both the same
_nbops_sys.argv[1:] = []
import json as _nbops_json, types as _nbops_types, pathlib as _nbops_pathlib
_nbops_runlog = _nbops_types.ModuleType("_nbops_runlog")
_nbops_runlog.__file__ = {runlog_file!r}
exec(compile({runlog!r}, "_nbops_runlog", "exec"), _nbops_runlog.__dict__)
_nbops_pipeline_run = _nbops_runlog.track_run({experiment!r}, {params!r}, package={package!r}, provenance=False)
_nbops_pipeline_run.__enter__()
_nbops_fp = _nbops_types.ModuleType("_nbops_fp")
exec(compile({source!r}, "_nbops_fp", "exec"), _nbops_fp.__dict__)
_nbops_ser = _nbops_types.ModuleType("_nbops_ser")
exec(compile({serialization!r}, "_nbops_ser", "exec"), _nbops_ser.__dict__)
_nbops_dir = _nbops_pathlib.Path({record_dir!r})
_nbops_recording = {{"steps": {{}}, "metrics": {{}}, "environment": {{}}, "files": {{}}}}
_nbops_step = [None]  # the step whose cells run now: the files they open are its own

def _nbops_audit(event, args, _folder=_nbops_os.getcwd()):
    # every open() of a file in the notebook's folder, by the step that opens it (an audit hook
    # sees what pandas, numpy, joblib and pickle open too); it must never raise
    if event != "open" or _nbops_step[0] is None:
        return
    try:
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return
        relative = _nbops_os.path.relpath(_nbops_os.path.abspath(_nbops_os.fsdecode(path)), _folder)
        if relative.startswith("..") or "__pycache__" in relative:  # compiled imports are no hand-off
            return
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(
            flags & (_nbops_os.O_WRONLY | _nbops_os.O_RDWR))
        files = _nbops_recording["files"].setdefault(_nbops_step[0], {{"wrote": [], "read": []}})
        kind = files["wrote" if writes else "read"]
        if relative not in kind:
            kind.append(relative)
    except Exception:
        pass

_nbops_sys.addaudithook(_nbops_audit)

def _nbops_save():
    (_nbops_dir / "fingerprints.json").write_text(_nbops_json.dumps(_nbops_recording, default=str, indent=1))

def _nbops_record(step, group, names, save):
    _nbops_step[0] = step if group == "inputs" else None  # its cells run between inputs and outputs
    namespace = globals()
    visible = {{k: v for k, v in namespace.items() if not k.startswith("_")}}
    entry = _nbops_recording["steps"].setdefault(step, {{"inputs": {{}}, "outputs": {{}}}})
    for name in names:
        if name not in namespace:
            continue
        value = namespace[name]
        probe = _nbops_fp.probe_batch(value, visible) if _nbops_fp._kind(value) == "model" else None
        fp = _nbops_fp.fingerprint(value, probe)
        if group in ("outputs", "changed"):  # the file format every runner will pass it on in
            try:
                fp["format"] = _nbops_ser.format_of(value)
            except Exception:
                fp["format"] = "pickle"
        if save and fp["kind"] in ("frame", "array", "scalar"):  # compared by value with tolerances
            rel = f"values/{{step}}__{{name}}.pkl"
            if _nbops_fp.save_value(value, _nbops_dir / rel):
                fp["value_file"] = rel
        if save and probe is not None:
            if _nbops_fp.save_value(probe, _nbops_dir / f"values/{{step}}__{{name}}.probe.pkl"):
                fp["probe_file"] = f"values/{{step}}__{{name}}.probe.pkl"
        entry.setdefault(group, {{}})[name] = fp
    _nbops_save()
"""

_EPILOGUE = """\
import importlib.metadata as _nbops_md, sys as _nbops_sys, numbers as _nbops_numbers
for _nbops_name in {metrics!r}:
    _nbops_value = globals().get(_nbops_name)
    if isinstance(_nbops_value, _nbops_numbers.Real) and not isinstance(_nbops_value, bool):
        _nbops_recording["metrics"][_nbops_name] = float(_nbops_value)
_nbops_dists = _nbops_md.packages_distributions()
for _nbops_module in {modules!r}:
    if _nbops_module in _nbops_sys.stdlib_module_names:
        continue
    for _nbops_dist in _nbops_dists.get(_nbops_module, [])[:1]:
        _nbops_recording["environment"][_nbops_module] = [_nbops_dist, _nbops_md.version(_nbops_dist)]
for _nbops_req in {requirements!r}:
    try:
        _nbops_recording["environment"]["req:" + _nbops_req] = [_nbops_req, _nbops_md.version(_nbops_req)]
    except _nbops_md.PackageNotFoundError:
        pass
_nbops_pipeline_run.__exit__(None, None, None)
_nbops_recording["python"] = _nbops_sys.executable
_nbops_recording["python_version"] = "%d.%d" % _nbops_sys.version_info[:2]
_nbops_save()
"""


@dataclass
class Recording:
    directory: Path  # fingerprints.json and values/
    steps: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    environment: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # step -> {"wrote": [...], "read": [...]}, in the notebook's folder
    python: str | None = None
    python_version: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def save(self):
        data = {
            "steps": self.steps,
            "metrics": self.metrics,
            "environment": self.environment,
            "files": self.files,
            "python_version": self.python_version,
        }
        (self.directory / "fingerprints.json").write_text(json.dumps(data, indent=1, default=str))


def _requirement_names(requirements) -> list[str]:
    import re

    return [re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0] for r in requirements]


def _build(plan, record_dir: Path, save_values: bool, scratch_store: Path):
    from nbformat.v4 import new_code_cell, new_notebook

    cells, origin = [], []

    def add(source, cell=None):
        cells.append(new_code_cell(source))
        origin.append(cell)

    add(
        _PRELUDE.format(
            source=_FINGERPRINT_SOURCE.read_text(),
            serialization=_SERIALIZATION_SOURCE.read_text(),
            record_dir=str(record_dir),
            scratch_store=str(scratch_store),
            runlog=_RUNLOG_SOURCE.read_text(),
            runlog_file=str(scratch_store / "tracking.py"),
            experiment=plan.experiment or plan.package,
            package=plan.package,
            params={p.name: p.default for p in plan.params},
        )
    )
    for code in [c for c in plan.setup + plan.library]:
        add(code.source, code.cell)
    params = "\n".join(f"{p.name} = {p.default!r}" for p in plan.params)
    add(params)
    for name in plan.order:
        step = plan.steps[name]
        inputs = list(step.inputs) + step.params
        add(f"_nbops_record({name!r}, 'inputs', {inputs!r}, False)")
        for code in step.cells:
            add(code.source, code.cell)
        add(f"_nbops_record({name!r}, 'outputs', {step.outputs!r}, {save_values!r})")
        # its inputs again: one changed in place through a call (fill_missing(df)) shows here;
        # fingerprints only, as for the inputs above: rewriting every input's value costs I/O
        add(f"_nbops_record({name!r}, 'changed', {list(step.inputs)!r}, False)")
    for test in plan.tests:
        add(test.code.source, test.code.cell)
    add(
        _EPILOGUE.format(
            metrics=plan.metric_names, modules=sorted(plan.imports), requirements=_requirement_names(plan.requirements)
        )
    )
    return new_notebook(cells=cells), origin


def _kernel_transport(scratch_store: Path):
    """The clean run's kernel talks over Unix sockets in its scratch folder where there are
    any. Over TCP, a port found free can be taken by another kernel starting at that moment
    (the two clean runs, a Lab server, another export): the kernel then dies with "Address
    already in use". Elsewhere nbclient's default (TCP) stays."""
    from traitlets.config import Config

    if os.name != "posix":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": f"{scratch_store}-kernel"}})


async def _execute(
    cells_turn: asyncio.Lock,
    plan,
    record_dir: Path,
    save_values: bool,
    kernel_name: str,
    workdir: Path,
    timeout: int,
    scratch_store: Path,
):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_core.utils import ensure_async
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb, origin = _build(plan, record_dir, save_values, scratch_store)
    client = NotebookClient(
        nb,
        config=_kernel_transport(scratch_store),
        kernel_name=kernel_name,
        timeout=timeout,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        # the kernel's environment names the scratch store too, so nothing reaches the user's
        async with client.async_setup_kernel(env={**os.environ, "NBOPS_HOME": str(scratch_store)}):
            assert client.kc is not None
            await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))  # started
            # Kernels start side by side, cells run one kernel at a time: both work in the
            # notebook's folder, and a cell that writes a file a later cell reads
            # (``%%writefile helpers.py``, ``df.to_csv`` then ``read_csv``) must not see the
            # other kernel's half-written copy.
            async with cells_turn:
                for index, cell in enumerate(client.nb.cells):
                    await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    except NoSuchKernel:
        known = ", ".join(sorted(KernelSpecManager().find_kernel_specs())) or "none"
        raise InvalidValueError(f"kernel {kernel_name!r} is not installed; installed kernels: {known}") from None
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        return _failure(nb, origin, exc, workdir)
    return []


def _run_all(jobs) -> list:
    """Run the executions (kernels started concurrently, cells in turn), on a thread of their own
    so a caller's event loop (a kernel, the server) is never reused."""
    from concurrent.futures import ThreadPoolExecutor

    async def gather():
        cells_turn = asyncio.Lock()
        return await asyncio.gather(*(_execute(cells_turn, *job) for job in jobs))

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, gather()).result()


def _failure(nb, origin, exc, workdir: Path) -> list[Diagnostic]:
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            source = origin[index]
            message = f"{errors[0]['ename']}: {errors[0]['evalue']}"
            line = None
            for frame in errors[0].get("traceback", []):
                found = re.findall(r"line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", frame))
                if found:
                    line = int(found[-1])
            if source is None:
                return [Diagnostic("NB402", f"the clean run failed in generated glue code: {message}")]
            return [
                Diagnostic(
                    "NB402",
                    f"cell raised {message} in a clean kernel",
                    source.index,
                    source.id,
                    line,
                    _fix_for(errors[0], workdir),
                )
            ]
    return [
        Diagnostic("NB402", f"the clean run failed: {str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}")
    ]


def _fix_for(error: dict, workdir: Path) -> str:
    """What to do about the clean run's error; for a file that is not there, where it was looked for."""
    missing = re.search(r"No such file or directory: '([^']+)'", error.get("evalue", ""))
    if error.get("ename") != "FileNotFoundError" or missing is None:
        return "run the notebook top to bottom after a kernel restart and fix the first failing cell"
    path = missing.group(1)
    if os.path.isabs(path):  # a Kaggle kernel's /kaggle/input/..., a Colab Drive path
        return (
            f"{path} is not on this machine: put the data beside the notebook and read it by a relative path, "
            f"or make its folder a parameter (data_dir = {os.path.dirname(path)!r}) and pass --param data_dir=DIR"
        )
    return f"{path} is not in the notebook's folder {workdir}, where the clean run reads it: put it there"


def golden_run(
    plan,
    record_dir: Path,
    *,
    kernel_name: str = "python3",
    workdir: Path | None = None,
    timeout: int = 600,
    repeats: int = 2,
) -> Recording:
    """Run the plan in ``repeats`` fresh kernels (started at once, their cells run in turn); the
    first run's recording, with the outputs that differed in any other run marked nondeterministic."""
    record_dir = Path(record_dir)
    record_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(workdir or Path.cwd())
    with tempfile.TemporaryDirectory(prefix="nbops-golden-") as scratch:
        others = [Path(scratch) / str(i) for i in range(repeats - 1)]
        for other in others:
            other.mkdir()
        stores = [Path(scratch) / f"store-{i}" for i in range(repeats)]
        jobs = [(plan, record_dir, True, kernel_name, workdir, timeout, stores[0])]
        jobs += [(plan, other, False, kernel_name, workdir, timeout, store) for other, store in zip(others, stores[1:])]
        outcomes = _run_all(jobs)
        recording = _load(record_dir)
        recording.diagnostics += outcomes[0] or next((o for o in outcomes if o), [])
        if recording.diagnostics:
            return recording
        for other in others:
            _mark_nondeterministic(recording, _load(other), plan)
    recording.save()
    return recording


def _load(record_dir: Path) -> Recording:
    path = record_dir / "fingerprints.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    return Recording(
        record_dir,
        data.get("steps", {}),
        data.get("metrics", {}),
        data.get("environment", {}),
        data.get("files", {}),
        data.get("python"),
        data.get("python_version"),
    )


def _mark_nondeterministic(first: Recording, second: Recording, plan):
    for step, entry in first.steps.items():
        for name, fp in entry["outputs"].items():
            other = second.steps.get(step, {}).get("outputs", {}).get(name)
            if other is None:
                continue
            found = rerun_diagnostic(plan, step, name, fp, other)  # tolerances, then timing, then randomness
            if found:
                first.diagnostics.append(found)
