"""``kfp_pipeline.py``: the package as a Kubeflow Pipelines v2 pipeline, one component per step.

Each component calls the package's ``pipeline.run_step``, which reads its inputs from and
writes its outputs to KFP artifacts through the package's ``serialization`` (the files
``--cache`` writes), so the orchestrator never sees a pickle it did not need. A first component
(``nbops_start``) starts the pipeline run's one nbops run and outputs its id, every step logs
to it, and a last one (``nbops_end``) ends it.
"""

from __future__ import annotations

from ..tags import resource_kind

__all__ = ["kfp_module", "ARTIFACT_TYPES"]

# serialization format -> KFP artifact class
ARTIFACT_TYPES = {"parquet": "Dataset", "npy": "Dataset", "joblib": "Model"}
_PY_TYPES = {"bool": "bool", "int": "int", "float": "float", "str": "str", "list": "list", "dict": "dict"}


def _component(plan, name: str, formats: dict) -> str:
    step = plan.steps[name]
    types = {p.name: p for p in plan.params}
    args = [f"in_{n}: Input[Artifact]" for n in step.inputs]
    args += [f"{p}: {_PY_TYPES[types[p].type]}" for p in step.params]
    args += [f"out_{n}: Output[{ARTIFACT_TYPES.get(formats.get(n), 'Artifact')}]" for n in step.outputs]
    metrics = [m for m in plan.metric_names if m in step.outputs]
    if metrics:
        args.append("metrics: Output[Metrics]")
    args += ["workdir: str = ''", "nbops_run: str = ''"]
    params = ", ".join(f"{p}={p}" for p in step.params)
    inputs = ", ".join(f"{n!r}: in_{n}.path" for n in step.inputs)
    outputs = ", ".join(f"{n!r}: out_{n}.path" for n in step.outputs)
    body = [
        f"def {name}_step({', '.join(args)}):",
        f'    """Step {name!r}: the package\'s step function on artifacts."""',
        f"    from {plan.package} import pipeline",
        f"    from {plan.package}.params import Params",
        "",
        f"    {'values = ' if metrics else ''}pipeline.run_step({name!r}, Params({params}), inputs={{{inputs}}},",
        f"        outputs={{{outputs}}}, workdir=workdir or None, run_id=nbops_run)",
    ]
    body += [f"    metrics.log_metric({m!r}, float(values[{m!r}]))" for m in metrics]
    return "\n".join(body) + "\n"


def _tracking_components(plan) -> str:
    """A first component starts the nbops run (its id is its output), a last one ends it."""
    signature = ", ".join(f"{p.name}: {_PY_TYPES[p.type]} = {p.default!r}" for p in plan.params)
    params = ", ".join(f"{p.name}={p.name}" for p in plan.params)
    return (
        f"def nbops_start({signature}) -> str:\n"
        '    """Start the nbops run of this pipeline run; every step logs to it."""\n'
        f"    from {plan.package} import pipeline\n"
        f"    from {plan.package}.params import Params\n\n"
        f"    return pipeline.start_tracking(Params({params}), runner='kfp')\n\n\n"
        "def nbops_end(nbops_run: str):\n"
        '    """End the nbops run, after every step (a failing step has ended it failed)."""\n'
        f"    from {plan.package} import pipeline\n\n"
        "    pipeline.end_tracking(nbops_run)\n"
    )


def _limit_calls(limits: dict[str, str]) -> list[str]:
    """The task's settings for its step's Kale ``limit:`` tags (``limit:nvidia.com/gpu:1``)."""
    calls = []
    for resource, value in limits.items():
        kind = resource_kind(resource)
        if kind == "accelerator":
            calls += [f"set_accelerator_type({resource!r})", f"set_accelerator_limit({value!r})"]
        elif kind is not None:
            calls.append(f"set_{kind}_limit({value!r})")
    return calls


def _pipeline(plan) -> str:
    signature = ", ".join(f"{p.name}: {_PY_TYPES[p.type]} = {p.default!r}" for p in plan.params)
    lines = [
        f"    @dsl.pipeline(name={plan.package.replace('_', '-')!r}, description=DESCRIPTION)",
        f"    def pipeline({signature + ', ' if signature else ''}workdir: str = ''):",
        f"        start_task = components['nbops_start']({', '.join(f'{p.name}={p.name}' for p in plan.params)})",
        "        start_task.set_display_name('nbops-start')",
        "        start_task.set_caching_options(False)  # a new nbops run per pipeline run",
    ]
    for name in plan.order:
        step = plan.steps[name]
        kwargs = [f"in_{n}={producer}_task.outputs['out_{n}']" for n, producer in step.inputs.items()]
        kwargs += [f"{p}={p}" for p in step.params] + ["workdir=workdir", "nbops_run=start_task.output"]
        lines.append(f"        {name}_task = components[{name!r}]({', '.join(kwargs)})")
        lines.append(f"        {name}_task.set_display_name({name!r})")
        lines += [f"        {name}_task.{call}" for call in _limit_calls(step.limits)]
        after = sorted({e.source for e in plan.edges if e.target == name and not e.names})
        if after:
            lines.append(f"        {name}_task.after({', '.join(s + '_task' for s in after)})")
    lines.append("        end_task = components['nbops_end'](nbops_run=start_task.output)")
    lines.append("        end_task.set_display_name('nbops-end')")
    lines.append("        end_task.set_caching_options(False)")
    lines.append(f"        end_task.after({', '.join(n + '_task' for n in plan.order)})")
    lines.append("")
    lines.append("    return pipeline")
    return "\n".join(lines) + "\n"


def kfp_module(plan, recording, notebook: str, version: str = "0.1.0") -> str:
    formats = {}
    for step in recording.steps.values():
        formats.update({n: fp.get("format") for n, fp in step.get("outputs", {}).items()})
    pkg = plan.package
    dist = pkg.replace("_", "-")
    components = "\n\n".join(_component(plan, name, formats) for name in plan.order)
    steps = ", ".join(
        [f"{name!r}: {name}_step" for name in plan.order] + ["'nbops_start': nbops_start", "'nbops_end': nbops_end"]
    )
    return (
        HEAD.replace("__NOTEBOOK__", notebook).replace("__PKG__", pkg)
        + f"PACKAGE = {pkg!r}\nDESCRIPTION = {f'Generated by nbops from {notebook}'!r}\n"
        + f"DEFAULT_PACKAGES = [{f'{dist}=={version}'!r}]  # where the cluster's pip finds it: see --package\n"
        + f"STEPS = ({', '.join(map(repr, plan.order))})\n\n\n"
        + components
        + "\n\n"
        + _tracking_components(plan)
        + "\n\nFUNCTIONS = {"
        + steps
        + "}\n\n\n"
        + "def build(base_image: str = DEFAULT_IMAGE, packages: list[str] | None = None):\n"
        + '    """The pipeline function, its components built on ``base_image`` with ``packages`` installed."""\n'
        + "    packages = DEFAULT_PACKAGES if packages is None else packages\n"
        + "    components = {name: dsl.component(function, base_image=base_image, packages_to_install=packages)\n"
        + "                  for name, function in FUNCTIONS.items()}\n\n"
        + _pipeline(plan)
        + TAIL.replace("__PKG__", pkg)
    )


HEAD = '''"""Kubeflow Pipelines v2 pipeline of __PKG__: one component per step, outputs as artifacts.

Generated by nbops from __NOTEBOOK__; regenerate rather than edit by hand.

    python -m __PKG__.kfp_pipeline compile [-o kfp_pipeline.yaml] [--base-image IMAGE] [--package SPEC]
    python -m __PKG__.kfp_pipeline run-local [-p NAME=VALUE] [--pipeline-root DIR]

Each component installs the package (``--package``: a pip requirement, e.g. a wheel URL or
``git+https://...``) or runs on an image that has it (``--base-image``, with ``--package ''``;
see the ``Containerfile``). Step outputs travel as KFP artifacts written by the package's
``serialization`` module; the pipeline's metrics are KFP Metrics.
"""

import argparse
import json
import sys
from pathlib import Path

from kfp import compiler, dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output  # noqa: F401 (used in annotations)

DEFAULT_IMAGE = f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"
'''

TAIL = '''

def compile_yaml(path: str | Path, base_image: str = DEFAULT_IMAGE, packages: list[str] | None = None) -> Path:
    """Write the pipeline's IR YAML (what a KFP cluster runs) to ``path``."""
    compiler.Compiler().compile(build(base_image, packages), str(path))
    return Path(path)


def run_local(arguments: dict, pipeline_root: str | Path) -> None:
    """Run on this machine with kfp.local: every component in a subprocess of this Python, no cluster."""
    from kfp import local

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(pipeline_root))
    build(packages=[])(**arguments)


def main(argv: list[str] | None = None) -> int:
    from .cli import _overrides
    from .params import Params

    parser = argparse.ArgumentParser(prog="__PKG__.kfp_pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    comp = commands.add_parser("compile", help="write the IR YAML")
    comp.add_argument("-o", "--output", default=str(Path(__file__).with_suffix(".yaml")))
    comp.add_argument("--base-image", default=DEFAULT_IMAGE)
    comp.add_argument("--package", action="append", help="pip requirement to install in each component "
                      f"(repeatable; default {DEFAULT_PACKAGES[0]}; '' for none)")
    local = commands.add_parser("run-local", help="run with kfp.local's subprocess runner")
    local.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    local.add_argument("--pipeline-root", default="kfp_outputs")
    args = parser.parse_args(argv)
    if args.command == "compile":
        packages = None if args.package is None else [p for p in args.package if p]
        print(compile_yaml(args.output, args.base_image, packages))
        return 0
    params = Params.resolve(overrides=_overrides(args.param)).to_dict()
    run_local({k: v for k, v in params.items() if v is not None}, args.pipeline_root)
    print(json.dumps({"params": params, "pipeline_root": str(Path(args.pipeline_root).resolve())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''
