"""Notebook -> plan: which cell goes where, what each step reads and writes, and what is wrong.

Static analysis proposes; the golden run (``golden.py``) proves.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import library as lib
from . import rewrites
from .analysis import BUILTINS, CellFacts, analyse
from .dag import Edge, order_steps
from .diagnostics import Diagnostic, fold_consequences
from .parameters import Param, read_parameters
from .syntax import normalize
from .tags import Cell, read_cells

__all__ = ["CellCode", "StepPlan", "TestPlan", "Plan", "build_plan", "package_name"]


@dataclass
class CellCode:
    cell: Cell
    source: str
    tree: ast.Module | None
    facts: CellFacts

    package_source: str | None = None  # what the package runs instead, when it differs from the notebook's

    @property
    def generated(self) -> str:
        """The code the package runs: the cell's, except where a file ships with the package."""
        return self.package_source if self.package_source is not None else rewrites.tidy(self.source)

    def reparse(self, source: str):
        self.source, self.tree = source, ast.parse(source)
        self.facts = analyse(self.tree, {k: list(v) for k, v in self.facts.aliases.items()})


@dataclass
class StepPlan:
    name: str
    function: str
    cells: list[CellCode] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # name -> producing step
    params: list[str] = field(default_factory=list)
    setup_names: list[str] = field(default_factory=list)
    library_names: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    mutated_inputs: list[str] = field(default_factory=list)
    after: list = field(default_factory=list)  # (step name, cell)
    clock_names: set[str] = field(default_factory=set)  # outputs computed from a clock: timings, not randomness
    tracking_names: set[str] = field(default_factory=set)  # outputs nbops returned: a run id, a model version
    limits: dict[str, str] = field(default_factory=dict)  # resource -> value: Kale's limit: tags on its cells

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "function": self.function,
            "cells": [{"index": c.cell.index, "id": c.cell.id} for c in self.cells],
            "inputs": [{"name": n, "from": s} for n, s in self.inputs.items()],
            "params": self.params,
            "outputs": self.outputs,
        }


@dataclass
class TestPlan:
    code: CellCode
    inputs: dict[str, str] = field(default_factory=dict)  # name -> producing step
    params: list[str] = field(default_factory=list)
    setup_names: list[str] = field(default_factory=list)
    library_names: list[str] = field(default_factory=list)


@dataclass
class Plan:
    package: str
    params: list[Param] = field(default_factory=list)
    setup: list[CellCode] = field(default_factory=list)
    library: list[CellCode] = field(default_factory=list)
    steps: dict[str, StepPlan] = field(default_factory=dict)
    tests: list[TestPlan] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    requirement_files: list[tuple[str, int, str | None, int]] = field(default_factory=list)  # file, cell, id, line
    imports: set[str] = field(default_factory=set)
    setup_defs: set[str] = field(default_factory=set)
    library_defs: set[str] = field(default_factory=set)
    metric_names: list[str] = field(default_factory=list)
    library_needs: list[str] = field(default_factory=list)  # setup names lib.py imports
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cells: list[CellCode] = field(default_factory=list)  # every code cell, tagged or not
    experiment: str | None = None  # the first %track / %%track / nbops.start_run name of a converted cell
    workdir: str | None = None  # the notebook's folder relative to the package's root folder (set at export)
    files: dict[str, str] = field(default_factory=dict)  # package files/ name -> text written by %%writefile
    rebuilt: set[str] = field(default_factory=set)  # data handles each reading step builds again (NB217)

    @property
    def param_names(self) -> set[str]:
        return {p.name for p in self.params}

    def dag(self) -> dict:
        return {
            "order": self.order,
            "steps": [self.steps[n].to_dict() for n in self.order],
            "edges": [e.to_dict() for e in self.edges],
            "metrics": self.metric_names,
        }

    def to_dict(self) -> dict:
        """The analysis as JSON: what the Lab's Pipeline panel draws, before anything runs."""
        return {
            "package": self.package,
            "params": [p.to_dict() for p in self.params],
            "dag": self.dag(),
            "cells": [_cell_view(c) for c in self.cells],
            "untagged": self.untagged_needed(),
            "requirements": self.requirements,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }

    def untagged_needed(self) -> list[dict]:
        """Untagged code cells defining names that converted cells read: left out, but they matter."""
        reads: dict[str, list[int]] = {}
        for code in self.cells:
            if code.cell.converted:
                for name in code.facts.refs:
                    reads.setdefault(name, []).append(code.cell.index)
        found = []
        for code in self.cells:
            if code.cell.role is not None:
                continue
            later = {n: [i for i in reads.get(n, []) if i > code.cell.index] for n in code.facts.defs}
            names = [n for n, readers in later.items() if readers]
            if names:
                found.append(
                    {
                        "index": code.cell.index,
                        "id": code.cell.id,
                        "names": names,
                        "read_by": sorted({i for n in names for i in later[n]}),
                    }
                )
        return found


def package_name(notebook_name: str) -> str:
    stem = re.sub(r"\.ipynb$", "", notebook_name.rsplit("/", 1)[-1])
    ident = re.sub(r"\W+", "_", stem).strip("_").lower() or "pipeline"
    if ident[0].isdigit():
        ident = "nb_" + ident
    return ident + "_pipeline" if not ident.endswith("pipeline") else ident


def build_plan(nb, package: str, folder: Path | None = None) -> Plan:
    """The plan for ``nb``; ``folder`` is the notebook's, where the files its cells run are read."""
    plan = Plan(package)
    cells, plan.diagnostics = read_cells(nb)
    rewrites.merge_kale_blocks(cells)
    codes: list[CellCode] = []
    named: list[tuple[bool, str]] = []  # (not converted, experiment): converted cells name it first
    aliases: dict[str, list[str]] = {}  # `combine = [train_df, test_df]` in one cell, the loop over it in another
    for cell in cells:
        normalized = normalize(cell.source, cell.index, cell.id, folder)
        if normalized.experiment:
            named.append((not cell.converted, normalized.experiment))
        if cell.converted:
            plan.diagnostics += normalized.diagnostics
            plan.requirements += normalized.requirements
            plan.requirement_files += [(f, cell.index, cell.id, line) for f, line in normalized.requirement_files]
        codes.append(CellCode(cell, normalized.source, normalized.tree, analyse(normalized.tree, aliases)))
    plan.cells = codes
    plan.experiment = min(named, key=lambda pair: pair[0])[1] if named else None
    _Builder(plan, codes).build()
    return plan


class _Builder:
    def __init__(self, plan: Plan, codes: list[CellCode]):
        self.plan, self.codes = plan, codes
        self.converted = [c for c in codes if c.cell.converted]

    def diag(self, code, message, cell_code=None, line=None, suggestion=None):
        cell = cell_code.cell if cell_code else None
        self.plan.diagnostics.append(
            Diagnostic(code, message, cell.index if cell else None, cell.id if cell else None, line, suggestion)
        )

    def build(self):
        plan = self.plan
        self.check_execution_order()
        by_role = lambda role: [c for c in self.codes if c.cell.role == role]  # noqa: E731
        plan.setup = by_role("setup")
        rewrites.compute_derived_parameters(plan, self.codes, self.converted)
        params, diags = read_parameters([(c.cell, c.tree) for c in by_role("parameters")])
        plan.params, plan.diagnostics = params, plan.diagnostics + diags
        plan.library = by_role("library")
        rewrites.drop_colab_session(plan, self.converted)
        rewrites.run_main_guards(plan, self.converted)
        rewrites.hoist_step_imports(plan, self.converted)
        rewrites.hoist_step_definitions(plan, self.converted)
        rewrites.rebuild_data_handles(plan, self.codes, self.converted)
        rewrites.drop_dead_expressions(self.converted)
        rewrites.ship_written_files(plan, self.converted)
        rewrites.localize_step_globals(plan, self.converted)
        plan.setup_defs = {n for c in plan.setup for n in c.facts.defs}
        plan.library_defs = {n for c in plan.library for n in c.facts.defs}
        self.check_cell_hygiene()
        self.check_setup_and_library()
        self.fix_library_globals()
        self.resolve_steps()
        self.resolve_tests()
        if not plan.steps:
            self.diag(
                "NB108",
                "no cell is tagged step:NAME, so there is nothing to run",
                suggestion="tag the cells that load, transform and train as step:load, step:train, ...",
            )
        self.prune_outputs()
        plan.order, plan.edges, diags = order_steps(plan.steps)
        plan.diagnostics += diags
        for code in self.converted + plan.setup:
            plan.imports |= {m for m in code.facts.imports.values() if m}
        plan.diagnostics = fold_consequences(plan.diagnostics, {c.cell.index: c.cell.source for c in self.codes})

    def prune_outputs(self):
        """A step returns what later steps, tests and metrics read; a final step (nothing reads
        from it) returns everything it binds: its values are the pipeline's result."""
        plan = self.plan
        read: dict[str, set[str]] = {name: set() for name in plan.steps}
        for reader in list(plan.steps.values()) + plan.tests:
            for name, producer in reader.inputs.items():
                read[producer].add(name)
        for step in plan.steps.values():
            if read[step.name]:
                step.outputs = [n for n in step.outputs if n in read[step.name] or n in plan.metric_names]

    def check_execution_order(self):
        last = None
        for code in self.codes:
            count = code.cell.execution_count
            if count is None:
                continue
            if last is not None and count < last[0]:
                self.diag(
                    "NB401",
                    f"cell {code.cell.index} ran (count {count}) before cell {last[1].cell.index} "
                    f"(count {last[0]}); the clean run executes top to bottom and is what the package reproduces",
                    code,
                    suggestion="restart the kernel and run all cells to check the notebook still works in order",
                )
                return
            last = (count, code)

    def check_cell_hygiene(self):
        seen: dict[str, CellCode] = {}
        for code in self.converted:
            awaited = _top_level_await(code.tree)
            if awaited is not None:
                self.diag(
                    "NB206",
                    "top-level await: IPython runs it in the kernel's event loop, but a step is a plain function",
                    code,
                    awaited,
                    "put the awaits in an async def and run it once: result = asyncio.run(main())",
                )
            for module, line in code.facts.star_imports:
                self.diag(
                    "NB304",
                    f"'from {module} import *' hides which names the cell uses",
                    code,
                    line,
                    f"import the names explicitly: from {module} import name1, name2",
                )
            for function, name, line in code.facts.global_writes:
                self.diag(
                    "NB305",
                    f"function {function}() assigns the global {name!r}",
                    code,
                    line,
                    f"return {name} from {function}() and assign the result where it is called",
                )
            for name, line in code.facts.functions.items():
                if name in seen and seen[name] is not code:
                    self.diag(
                        "NB306",
                        f"{name} is defined again (first in cell {seen[name].cell.index}); "
                        "the pipeline uses the definition that runs last",
                        code,
                        line,
                        "give one of the definitions another name",
                    )
                seen[name] = code

    def check_setup_and_library(self):
        plan = self.plan
        for role, codes, known in (
            ("setup", plan.setup, plan.setup_defs),
            ("library", plan.library, plan.setup_defs | plan.library_defs),
        ):
            for code in codes:
                for name, line in code.facts.refs.items():
                    if name in known or name in BUILTINS or name in code.facts.deferred:
                        continue
                    if name in plan.param_names or self.defining_cells(name):
                        self.diag(
                            "NB309",
                            f"{role} cell uses {name!r} at module level, but {name!r} is a parameter or step data",
                            code,
                            line,
                            f"move the code that uses {name!r} into a step",
                        )
                    else:
                        self.undefined(name, code, line)
        for code in plan.library:
            known = plan.setup_defs | plan.library_defs
            running = [line for line in code.facts.other_statements if not _configures(code, line, known)]
            if running:
                self.diag(
                    "NB311",
                    "library cell runs statements besides def, class, import, assignments and configuration "
                    "calls; they run when lib.py is imported",
                    code,
                    running[0],
                    "move those statements into a step",
                )

    def defining_cells(self, name: str) -> list[CellCode]:
        return [c for c in self.codes if name in c.facts.defs or name in c.facts.mutations]

    def undefined(self, name, code, line):
        self.diag(
            "NB303",
            f"{name!r} is not defined in any cell",
            code,
            line,
            f"define {name!r} in a setup or step cell, or import it",
        )

    def fix_library_globals(self):
        plan = self.plan
        defaults = {p.name: repr(p.default) for p in plan.params}
        needs: set[str] = set()
        for code in plan.library:
            if code.tree is None:
                continue
            needs |= {n for n in code.facts.refs if n in plan.setup_defs and n not in plan.library_defs}
            for found in lib.free_globals(code.source, code.cell.index):
                keywords: dict[str, str | None] = {}
                for name, line in found.names.items():
                    if name in plan.library_defs:
                        continue
                    if name in plan.setup_defs:  # before builtins: a setup `from x import map` wins
                        needs.add(name)
                    elif name in BUILTINS:
                        continue
                    elif name in plan.param_names:
                        keywords[name] = defaults[name]
                    elif self.defining_cells(name):
                        keywords[name] = None
                    else:
                        self.undefined(name, code, line)
                if keywords:
                    self.add_keywords(code, found, keywords)
        plan.library_needs = sorted(needs)

    def add_keywords(self, code: CellCode, found, keywords):
        callers = [c for c in self.converted if c.cell.role in {"step", "test"}]
        safe = all(lib.direct_calls_only(c.tree, found.function) for c in callers) and not any(
            found.function in c.facts.refs for c in self.plan.library if c is not code
        )
        data = [n for n, default in keywords.items() if default is None]
        new_source = lib.add_keyword_parameters(code.source, found.function, keywords) if safe else None
        if new_source is None:
            for name in data or list(keywords):
                self.diag(
                    "NB308",
                    f"{found.function}() reads the notebook global {name!r}",
                    code,
                    found.names[name],
                    f"add {name} as a parameter: def {found.function}(..., {name}) and pass it where it is called",
                )
            return
        code.reparse(new_source)
        for caller in callers:
            if caller.tree is not None and any(
                isinstance(n, ast.Call) and getattr(n.func, "id", None) == found.function for n in ast.walk(caller.tree)
            ):
                caller.reparse(lib.add_call_keywords(caller.source, found.function, list(keywords)))
        for name in keywords:
            if name in data:
                self.diag(
                    "NB313",
                    f"{found.function}() reads the notebook global {name!r}; it is now a keyword "
                    "argument passed at every call",
                    code,
                    found.names[name],
                    f"consider def {found.function}(..., {name}) in the notebook too",
                )
            else:
                self.diag(
                    "NB307",
                    f"{found.function}() reads the parameter {name!r}; it is now a keyword "
                    "argument defaulting to the parameter's value",
                    code,
                    found.names[name],
                )

    def classify(self, name, line, code, producer, local, target):
        """Record where ``name`` read by a step/test comes from; False if it is not available."""
        plan = self.plan
        if name in local:
            return True
        if name in producer:
            target.inputs.setdefault(name, producer[name])
            return True
        for names, group in (
            (plan.param_names, target.params),
            (plan.setup_defs, target.setup_names),
            (plan.library_defs, target.library_names),
        ):
            if name in names:
                if name not in group:
                    group.append(name)
                return True
        return name in BUILTINS

    def resolve_steps(self):
        plan = self.plan
        producer: dict[str, str] = {}
        local: dict[str, set[str]] = {}
        # A method called on what a setup import builds (``pd.DataFrame(...).fillna(0, inplace=True)``)
        # changes a new object, not the module or function: no step hands that name on.
        imported = {n for c in plan.setup for n in c.facts.imports}
        for code in self.converted:
            cell = code.cell
            if cell.role != "step":
                continue
            step = plan.steps.get(cell.step)
            if step is None:
                function = cell.step if cell.step not in self.all_defs() else cell.step + "_step"
                step = plan.steps[cell.step] = StepPlan(cell.step, function)
                local[cell.step] = set()
            step.cells.append(code)
            step.clock_names |= code.facts.clock
            step.tracking_names |= code.facts.tracking
            step.after += [(name, cell) for name in cell.after]
            step.limits.update(cell.limits)  # a later cell's value for a resource wins
            if cell.metrics:
                names = code.facts.outputs or list(code.facts.refs)
                plan.metric_names += [n for n in names if n not in plan.metric_names and n not in BUILTINS]
            for name, line in code.facts.refs.items():
                producing = {k: v for k, v in producer.items() if v != step.name}
                if not self.classify(name, line, code, producing, local[step.name], step):
                    self.missing(name, line, code, f"step {step.name!r}", cell.step)
            mutations = [n for n in code.facts.mutations if n in code.facts.defs or n not in imported]
            for name in mutations:
                if name in step.inputs and name not in step.mutated_inputs:
                    step.mutated_inputs.append(name)
            for name in step.inputs:  # `combine` holds the frames the step changes: copied with them
                holds = set(code.facts.aliases.get(name, [])) & set(step.mutated_inputs)
                if holds and name not in step.mutated_inputs:
                    step.mutated_inputs.append(name)
            for name in code.facts.outputs:
                if name not in step.outputs and (name in code.facts.defs or name in mutations):
                    step.outputs.append(name)
            for name in list(code.facts.defs) + mutations:
                producer[name] = step.name
            local[step.name] |= set(code.facts.defs) | set(mutations)
        self.producer = producer
        self.expose_consumed_names()

    def expose_consumed_names(self):
        """A function or loop variable a later step reads is an output of the step defining it."""
        for step in self.plan.steps.values():
            for name, producer in step.inputs.items():
                if name not in self.plan.steps[producer].outputs:
                    self.plan.steps[producer].outputs.append(name)

    def resolve_tests(self):
        for code in self.converted:
            if code.cell.role != "test":
                continue
            test = TestPlan(code)
            for name, line in code.facts.refs.items():
                if not self.classify(name, line, code, self.producer, set(), test):
                    self.missing(name, line, code, "test cell", None, code_for="NB310")
            self.plan.tests.append(test)
            for name, producer in test.inputs.items():
                if name not in self.plan.steps[producer].outputs:
                    self.plan.steps[producer].outputs.append(name)

    def all_defs(self) -> set[str]:
        if not hasattr(self, "_all_defs"):
            self._all_defs = {n for c in self.codes for n in c.facts.defs} | self.plan.param_names
        return self._all_defs

    def missing(self, name, line, code, who, step, code_for=None):
        sources = [c for c in self.defining_cells(name) if c is not code]  # never "move cell N before cell N"
        if not sources and name in code.facts.defs:
            return self.diag(
                "NB303",
                f"{name!r} is read on line {line} before this cell defines it (line {code.facts.defs[name]})",
                code,
                line,
                f"define {name!r} before line {line}, or in an earlier cell",
            )
        if not sources:
            return self.undefined(name, code, line)
        earlier = [c for c in sources if c.cell.index < code.cell.index]
        defining = earlier[-1] if earlier else sources[0]  # the nearest earlier one, else the first later one
        source = defining.cell
        if code_for == "NB310":
            return self.diag(
                "NB310",
                f"test cell uses {name!r}, which no step produces",
                code,
                line,
                f"tag cell {source.index} as a step, or compute {name!r} in the test cell",
            )
        if source.role == "step":
            return self.diag(
                "NB312",
                f"{who} uses {name!r}, which only the later step {source.step!r} (cell {source.index}) defines",
                code,
                line,
                f"move cell {source.index} before cell {code.cell.index}, or define {name!r} earlier",
            )
        role = _suggest_role(defining)
        where = "skip" if source.role == "skip" else "untagged"
        suggestion = f"tag cell {source.index} as {role or f'step:{step}'}"
        statement = _import_statement(defining, name)
        if statement and role != "setup":  # a mixed cell: tagging it would drag its data along
            suggestion = f"move {statement!r} from cell {source.index} into a setup cell"
        if source.role == "skip":
            suggestion = f"remove the skip tag of cell {source.index} and tag it as {role or f'step:{step}'}"
        self.diag(
            "NB302" if source.role == "skip" else "NB301",
            f"{who} uses {name!r}, which only cell {source.index} ({where}) defines",
            code,
            line,
            suggestion,
        )


def _top_level_await(tree: ast.Module | None) -> int | None:
    """The line of the first ``await``, ``async for`` or ``async with`` outside an ``async def``."""
    pending: list[ast.AST] = list(tree.body) if tree is not None else []
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return node.lineno
        if not isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            pending[:0] = ast.iter_child_nodes(node)
    return None


def _configures(code: CellCode, line: int, known: set[str]) -> bool:
    """The statement at ``line`` is a call on a module-level name (``IMAGES_PATH.mkdir(...)``,
    ``warnings.filterwarnings(...)``): configuration, which runs as well when lib.py is imported."""
    statement = next((s for s in code.tree.body if s.lineno == line), None) if code.tree else None
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    func = statement.value.func
    while isinstance(func, (ast.Attribute, ast.Call)):
        func = func.func if isinstance(func, ast.Call) else func.value
    return isinstance(func, ast.Name) and func.id in known | set(code.facts.defs)


def _import_statement(code: CellCode, name: str) -> str | None:
    for node in code.tree.body if code.tree else []:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            return ast.get_source_segment(code.source, node)
    return None


def _cell_view(code: CellCode) -> dict:
    cell = code.cell
    return {
        "index": cell.index,
        "id": cell.id,
        "role": cell.role,
        "step": cell.step,
        "after": cell.after,
        "metrics": cell.metrics,
        "tags": cell.tags,
    }


def _suggest_role(code: CellCode) -> str | None:
    facts = code.facts
    data = [n for n in facts.defs if n not in facts.imports and n not in facts.functions]
    if facts.defs and not data and facts.functions:
        return "library"
    if facts.defs and not data:
        return "setup"
    return None
