"""Cell tags -> cell roles. Tags live in ``cell.metadata.tags`` (papermill and Kale read them too).

=============  =======================  =============================================
tag            aliases                  role
=============  =======================  =============================================
parameters     pipeline-parameters      papermill defaults -> ``Params``
setup          imports                  imports, constants, configuration
library        functions                def/class cells -> ``lib.py``
step:NAME      block:NAME               cells of one step (same name joins in order)
after:NAME     prev:NAME                extra ordering edge
metrics        pipeline-metrics         values that become the pipeline's metrics
test                                    assert cells -> pytest tests
skip                                    left out (still analysed)
limit:RES:VAL                           Kale's resource limit of the step's KFP task
=============  =======================  =============================================

``limit:nvidia.com/gpu:1``, ``limit:memory:4Gi`` and ``limit:cpu:2`` are Kale's; the KFP target
sets them on the step's task. Kale's ``label:`` and ``annotation:`` tags need the kfp-kubernetes
extension, which the generated pipeline does not use: they are named (NB111), not carried.
"""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic

__all__ = ["Cell", "read_cells", "ROLE_TAGS"]

ROLE_TAGS = {
    "parameters": "parameters",
    "pipeline-parameters": "parameters",
    "injected-parameters": "parameters",  # papermill's: a later cell, so its values win
    "setup": "setup",
    "imports": "setup",
    "library": "library",
    "functions": "library",
    "test": "test",
    "skip": "skip",
}
METRICS_TAGS = {"metrics", "pipeline-metrics"}
STEP_PREFIXES = ("step:", "block:")
AFTER_PREFIXES = ("after:", "prev:")
LIMIT_PREFIX = "limit:"
POD_PREFIXES = ("label:", "annotation:")
# Kale's form: limit:RESOURCE:VALUE, the resource a Kubernetes name (nvidia.com/gpu, memory, cpu)
_LIMIT = re.compile(r"^limit:([_a-z\-./]+):([_a-zA-Z0-9.]+)$")
OUR_PREFIXES = ("nbops:", "nbops-")
_KNOWN_PLAIN = sorted(set(ROLE_TAGS) | METRICS_TAGS)
METRICS_STEP = "metrics"


@dataclass
class Cell:
    """One code cell with the role its tags give it."""

    index: int
    id: str | None
    source: str
    tags: list[str]
    execution_count: int | None = None
    role: str | None = None  # parameters/setup/library/step/test/skip, None = untagged
    step: str | None = None
    after: list[str] = field(default_factory=list)
    metrics: bool = False
    limits: dict[str, str] = field(default_factory=dict)  # Kale's limit:RESOURCE:VALUE tags

    @property
    def converted(self) -> bool:
        return self.role in {"parameters", "setup", "library", "step", "test"}


def step_identifier(name: str) -> str | None:
    ident = re.sub(r"\W", "_", name.strip())
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        return None
    return ident


def read_cells(nb) -> tuple[list[Cell], list[Diagnostic]]:
    """Code cells of ``nb`` with roles; markdown and raw cells keep their index but are not returned."""
    cells, diags = [], []
    for index, raw in enumerate(nb.cells):
        if raw.get("cell_type") != "code":
            continue
        tags = list(raw.get("metadata", {}).get("tags", []) or [])
        cell = Cell(index, raw.get("id"), raw.get("source", ""), tags, raw.get("execution_count"))
        diags += _assign_role(cell)
        cells.append(cell)
    return cells, diags


def _diag(cell: Cell, code: str, message: str, suggestion: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, cell.index, cell.id, None, suggestion)


def resource_kind(resource: str) -> str | None:
    """How the KFP target sets ``resource``: "cpu", "memory", "accelerator" (a vendor's device,
    ``nvidia.com/gpu``, ``amd.com/gpu``, ``cloud-tpus.google.com/v3``), or None where KFP's task
    has no setting for it (``ephemeral-storage``)."""
    if resource in {"cpu", "memory"}:
        return resource
    return "accelerator" if "/" in resource else None


def _limit(cell: Cell, tag: str) -> list[Diagnostic]:
    match = _LIMIT.match(tag)
    if match is None:
        return [
            _diag(
                cell,
                "NB102",
                f"tag {tag!r} is not limit:RESOURCE:VALUE",
                "use e.g. 'limit:nvidia.com/gpu:1', 'limit:memory:4Gi' or 'limit:cpu:2'",
            )
        ]
    resource, value = match.groups()
    if resource_kind(resource) is None:
        return [
            _diag(
                cell,
                "NB111",
                f"Kale's tag {tag!r} is not carried: a KFP task sets limits on cpu, memory and accelerators only",
                "use limit:cpu:N, limit:memory:SIZE or limit:VENDOR/DEVICE:N",
            )
        ]
    cell.limits[resource] = value
    return []


def _assign_role(cell: Cell) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    roles: list[str] = []
    steps: list[str] = []
    for tag in cell.tags:
        lowered = tag.strip()
        if lowered in ROLE_TAGS:
            roles.append(ROLE_TAGS[lowered])
        elif lowered in METRICS_TAGS:
            cell.metrics = True
        elif lowered.startswith(STEP_PREFIXES + AFTER_PREFIXES):
            prefix, _, name = lowered.partition(":")
            ident = step_identifier(name)
            if ident is None:
                diags.append(
                    _diag(
                        cell,
                        "NB102",
                        f"tag {tag!r} needs a step name that can be a Python identifier",
                        f"use e.g. '{prefix}:train'",
                    )
                )
            elif lowered.startswith(STEP_PREFIXES):
                steps.append(ident)
            else:
                cell.after.append(ident)
        elif lowered.startswith(LIMIT_PREFIX):
            diags += _limit(cell, lowered)
        elif lowered.startswith(POD_PREFIXES):
            diags.append(
                _diag(
                    cell,
                    "NB111",
                    f"Kale's tag {tag!r} is not carried: the generated KFP pipeline sets no pod labels or annotations",
                    "set it in kfp_pipeline.py with the kfp-kubernetes extension (kubernetes.add_pod_label)",
                )
            )
        elif lowered.startswith(OUR_PREFIXES):
            diags.append(
                _diag(
                    cell,
                    "NB101",
                    f"unknown tag {tag!r}",
                    "valid tags: " + ", ".join(_KNOWN_PLAIN) + ", step:NAME, after:NAME",
                )
            )
        else:
            close = difflib.get_close_matches(lowered, _KNOWN_PLAIN + ["step:", "after:"], n=1, cutoff=0.8)
            if close and ":" not in lowered:
                diags.append(
                    _diag(
                        cell, "NB103", f"tag {tag!r} is not an nbops tag and is ignored", f"did you mean {close[0]!r}?"
                    )
                )
    if len(set(steps)) > 1:
        diags.append(
            _diag(
                cell,
                "NB104",
                f"cell is tagged with steps {sorted(set(steps))}; a cell belongs to one step",
                "split the cell, one step per cell",
            )
        )
    if steps:
        roles.append("step")
        cell.step = steps[0]
    elif cell.metrics and not roles:
        roles.append("step")
        cell.step = METRICS_STEP
    distinct = sorted(set(roles))
    if len(distinct) > 1:
        diags.append(
            _diag(
                cell,
                "NB107",
                f"cell has roles {distinct}; keep one of them",
                "split the cell so each part has one role",
            )
        )
    cell.role = "skip" if "skip" in distinct else (distinct[0] if distinct else None)
    return diags
