"""Cell rewrites that let real notebooks convert as written, before the plan is built.

- Kale's merge rule: in a Kale-tagged notebook an untagged cell belongs to the block above it.
- Imports in step cells move to ``common.py``: a module is no step's data.
- Classes defined in step cells from module-level names only move to ``lib.py``: inside a
  step function their instances could not be pickled (``--cache``, the orchestrators).
- Lines that only displayed a value (``X.shape``, ``df.head()``) are dropped.
- A ``%%writefile`` cell's text ships as a file of the package instead of a string literal.
- ``global NAME`` in a function a step cell defines becomes ``nonlocal NAME``: the notebook's
  variable is the step function's variable in the package.
- Colab's session calls (``from google.colab import drive``, ``drive.mount(...)``,
  ``files.download(...)``) are dropped: they ran only in Colab.
- ``dtrain = xgb.DMatrix(...)``, a data handle pickle cannot carry, is built again in each
  later step that reads it.
- ``if __name__ == '__main__':`` runs, as it did in the kernel, whose namespace is ``__main__``.
- A parameters cell's lines that compute a value (``train = os.path.join(data_dir, ...)``) run at
  the start of the first step that reads it, from the values the parameters are given.

Dropped lines become empty lines, so diagnostics keep the cell's line numbers.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize

from .analysis import BUILTINS, analyse
from .diagnostics import Diagnostic
from .library import source_offset
from .parameters import is_literal

__all__ = [
    "merge_kale_blocks",
    "hoist_step_imports",
    "hoist_step_definitions",
    "drop_dead_expressions",
    "ship_written_files",
    "localize_step_globals",
    "drop_colab_session",
    "compute_derived_parameters",
    "run_main_guards",
    "rebuild_data_handles",
    "tidy",
]

KALE_TAGS = ("block:", "prev:", "imports", "functions", "pipeline-parameters", "pipeline-metrics")


def merge_kale_blocks(cells) -> None:
    """Kale's rule, for notebooks tagged the Kale way: an untagged cell belongs to the block above it."""
    if not any(t.startswith(KALE_TAGS) for c in cells for t in c.tags):
        return
    previous = None
    for cell in cells:
        if cell.tags or cell.role is not None:
            previous = cell
        elif previous is not None and previous.role is not None:
            cell.role, cell.step = previous.role, previous.step


def hoist_step_imports(plan, converted) -> None:
    """Top-level imports of step cells move to ``common.py``: a module is no step's data,
    so an imported callable is never a step input or output (nor pickled)."""
    for code in converted:
        if code.cell.role != "step" or code.tree is None:
            continue
        nodes = [
            n
            for n in code.tree.body
            if isinstance(n, (ast.Import, ast.ImportFrom))
            and not (
                isinstance(n, ast.ImportFrom)
                and (n.level or n.module == "__future__" or any(a.name == "*" for a in n.names))
            )
        ]
        if not nodes:
            continue
        _add_to_setup(plan, code, nodes)
        code.reparse(_blank_statements(code.source, nodes))


_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def hoist_step_definitions(plan, converted) -> None:
    """A class or function a step cell defines at its top level, whose body reads only setup
    and library names, builtins and definitions moved before it, moves to ``lib.py``. Defined
    in the step function, it was local: ``pickle`` refused it and the instances of the class
    (``Can't pickle local object``), so ``--cache`` and the orchestrators could not pass them
    on, ``joblib.dump`` could not save a pipeline holding ``FunctionTransformer(func)``, and
    ``multiprocessing.Pool.map(func, ...)`` could not send it to its workers. The same
    definition again (an ML book redefines ``column_ratio`` before loading the model that holds
    it) moves with the first. One defined twice differently, also bound otherwise, reading a
    parameter or step data (a setup name a step binds again is step data: the notebook's
    function saw the step's value), or declaring a name ``global`` stays."""
    single, bound_in_steps = _single_definitions(converted)
    known = ({n for c in plan.setup + plan.library for n in c.facts.defs} - bound_in_steps) | BUILTINS
    # in lib.py already: a library cell's own, or moved from an earlier step
    hoisted = {n.name for c in plan.library if c.tree for n in c.tree.body if isinstance(n, _DEFINITIONS)}
    for code in converted:
        if code.cell.role != "step" or code.tree is None:
            continue
        moved = []
        for node in code.tree.body:
            if not isinstance(node, _DEFINITIONS) or node.name not in single:
                continue
            if node.name in hoisted:  # the same definition again: the step imports it
                moved.append(node)
                continue
            if _declares_outer(node):
                continue
            lines = code.source.splitlines(keepends=True)[_first_lineno(node) - 1 : node.end_lineno]
            source = "".join(lines).rstrip("\n") + "\n"
            facts = analyse(ast.parse(source))
            if not set(facts.refs) <= known | {node.name}:
                continue
            cell = dataclasses.replace(code.cell, role="library", step=None, after=[], metrics=False)
            plan.library.append(type(code)(cell, source, ast.parse(source), facts))
            known.add(node.name)
            hoisted.add(node.name)
            moved.append(node)
        if moved:
            code.reparse(_blank_statements(code.source, moved))


def _single_definitions(converted) -> tuple[set[str], set[str]]:
    """The names every cell defines the same way at its top level (as trees) and binds in no
    other way, and the names step cells bind otherwise (assigned, imported, in a block)."""
    versions: dict[str, set[str]] = {}
    bound_otherwise: set[str] = set()
    bound_in_steps: set[str] = set()
    for code in converted:
        top = [n for n in code.tree.body if isinstance(n, _DEFINITIONS)] if code.tree else []
        for node in top:
            versions.setdefault(node.name, set()).add(ast.dump(node))
        other = set(code.facts.defs) - {n.name for n in top}
        bound_otherwise |= other
        if code.cell.role == "step":
            bound_in_steps |= other
    return {name for name, forms in versions.items() if len(forms) == 1} - bound_otherwise, bound_in_steps


def _declares_outer(node: ast.AST) -> bool:
    """A ``global`` or ``nonlocal`` statement in the definition: in ``lib.py`` it would bind
    the library's name, not the step's."""
    return any(isinstance(inner, (ast.Global, ast.Nonlocal)) for inner in ast.walk(node))


# Data handles built from arrays, which pickle cannot carry from one step to the next
DATA_HANDLES = frozenset(
    {"xgboost.DMatrix", "xgboost.QuantileDMatrix", "lightgbm.Dataset", "catboost.Pool", "catboost.core.Pool"}
)
_HANDLE_CHANGES = ("set_", "construct", "add_features_from")  # methods that change a handle once built


def rebuild_data_handles(plan, codes, converted) -> None:
    """``dtest = xgb.DMatrix(X_test, label=y_test)``: XGBoost's, LightGBM's and CatBoost's data
    handles cannot be pickled, so no step could hand one on (NB408). Each later step of another
    name that reads one builds it again, from the same statement at its start (NB217), and is
    handed the data it is built from. Not where the name is bound twice, or the handle is
    changed once built (``dtrain.set_weight(w)``, ``dtrain.label = y``)."""
    imported = _imported_names(plan.setup)
    built: dict[str, list] = {}
    for code in converted:
        for statement in code.tree.body if code.tree is not None and code.cell.role == "step" else []:
            target = _handle_target(statement, imported)
            if target:
                built.setdefault(target, []).append((code, statement))
    for name, [(producer, statement)] in [(n, b) for n, b in built.items() if len(b) == 1]:
        if any(name in c.facts.defs for c in converted if c is not producer) or _changed(name, converted):
            continue
        readers: dict[str, object] = {}
        for code in converted[converted.index(producer) + 1 :]:
            if code.cell.role == "step" and code.cell.step != producer.cell.step and name in code.facts.refs:
                readers.setdefault(code.cell.step, code)
        plan.rebuilt.add(name)
        for step, first in readers.items():
            source = _keep_statements(producer.source, [statement])
            _insert_step_cell(codes, converted, first, producer, source)
            plan.diagnostics.append(
                Diagnostic(
                    "NB217",
                    f"{_first_line(statement)} is built again at the start of step {step!r}: "
                    "pickle cannot hand that data handle on",
                    producer.cell.index,
                    producer.cell.id,
                    statement.lineno,
                )
            )


def _insert_step_cell(codes, converted, before, origin, source: str) -> None:
    """Run ``source``, lines of ``origin``'s cell, in ``before``'s step, just before it."""
    cell = dataclasses.replace(origin.cell, role="step", step=before.cell.step, after=[], metrics=False)
    inserted = type(origin)(cell, source, ast.parse(source), analyse(ast.parse(source)))
    codes.insert(codes.index(before), inserted)
    converted.insert(converted.index(before), inserted)


def _imported_names(setup) -> dict[str, str]:
    """Each name the setup cells import -> what it is: ``xgb`` -> ``xgboost``, ``DMatrix`` -> ``xgboost.DMatrix``."""
    names: dict[str, str] = {}
    for code in setup:
        for node in code.tree.body if code.tree is not None else []:
            if isinstance(node, ast.Import):
                names.update(
                    {a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0] for a in node.names}
                )
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    return names


def _handle_target(statement: ast.stmt, imported: dict[str, str]) -> str | None:
    """The name ``statement`` binds to a new data handle (``dtrain = xgb.DMatrix(...)``), or None."""
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Call)
    ):
        return None
    dotted = ast.unparse(statement.value.func)
    head, _, rest = dotted.partition(".")
    resolved = imported.get(head, "") + ("." + rest if rest else "")
    return statement.targets[0].id if resolved in DATA_HANDLES else None


def _changed(name: str, converted) -> bool:
    """A cell calls a method that changes ``name``'s handle, or assigns one of its attributes."""
    for code in converted:
        for node in ast.walk(code.tree) if code.tree is not None else []:
            attribute = node.func if isinstance(node, ast.Call) else None
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(
                    isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == name
                    for t in targets
                ):
                    return True
            if (
                isinstance(attribute, ast.Attribute)
                and isinstance(attribute.value, ast.Name)
                and attribute.value.id == name
                and attribute.attr.startswith(_HANDLE_CHANGES)
            ):
                return True
    return False


def _add_to_setup(plan, code, nodes) -> None:
    """The statements ``nodes`` of ``code``'s cell (its imports) join ``common.py``."""
    source = "".join(ast.get_source_segment(code.source, n) + "\n" for n in nodes)
    plan.setup.append(type(code)(code.cell, source, ast.parse(source), analyse(ast.parse(source))))


def ship_written_files(plan, converted) -> None:
    """A ``%%writefile`` cell's text becomes a real file in the package (``files/``), copied
    into the working folder where the notebook wrote it, instead of a long string literal."""
    for code in converted:
        target = _written_file(code)
        if target is None or code.cell.role not in {"step", "setup"}:
            continue
        text = code.tree.body[-1].value.args[0].value
        name = f"cell{code.cell.index}_{target.replace(chr(92), '/').rsplit('/', 1)[-1]}"
        plan.files[name] = text
        imports = "import pathlib\n\n" if code.cell.role == "setup" else ""  # a step's went to common.py
        code.package_source = (
            f"{imports}pathlib.Path({target!r}).write_text(  # %%writefile {target}: shipped as files/{name}\n"
            f"    pathlib.Path(__file__).with_name('files').joinpath({name!r}).read_text())\n"
        )
        plan.diagnostics = [
            dataclasses.replace(
                d,
                message=f"%%writefile {target}: the text ships as files/{name} in the package "
                "and is written there when the step runs",
            )
            if d.code == "NB213" and d.cell_index == code.cell.index and "writefile" in d.message
            else d
            for d in plan.diagnostics
        ]


def drop_dead_expressions(converted) -> None:
    """``X.shape`` or ``df.head()`` on a line of its own only displayed a value in the notebook."""
    for code in converted:
        if code.cell.role != "step" or code.cell.metrics or code.tree is None:
            continue
        dead = [n for n in code.tree.body if isinstance(n, ast.Expr) and is_value_display(n.value)]
        if dead:
            code.reparse(_blank_statements(code.source, dead))


COLAB = "google.colab"


def drop_colab_session(plan, converted) -> None:
    """``from google.colab import drive`` and ``drive.mount('/content/drive')``: Colab's session,
    not the notebook's computation, and ``google.colab`` exists only in Colab, so neither the
    clean run nor the package could import it. Its imports and the statements that only call one
    of its names are dropped (NB210); a value taken from it (``uploaded = files.upload()``,
    ``userdata.get('KEY')``) is an error naming the line (NB215). A guarded import (``try: from
    google.colab import drive``) is the notebook's own fallback and stays."""
    names = {name for code in converted for node in _body(code) for name in _colab_names(node)}
    if not names:
        return
    for code in converted:
        dropped = [node for node in _body(code) if _colab_names(node) or _calls_only(node, names)]
        for node in _body(code):
            used = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names})
            if node in dropped:
                plan.diagnostics.append(
                    Diagnostic(
                        "NB210",
                        f"{_first_line(node)} dropped: Colab's session only",
                        code.cell.index,
                        code.cell.id,
                        node.lineno,
                    )
                )
            elif used:
                plan.diagnostics.append(_colab_value(code, node, used))
        if dropped:
            code.reparse(_blank_statements(code.source, dropped))


def _colab_value(code, node: ast.stmt, used: list[str]) -> Diagnostic:
    return Diagnostic(
        "NB215",
        f"{_first_line(node)} takes a value from Colab ({', '.join(used)}), which exists only there",
        code.cell.index,
        code.cell.id,
        node.lineno,
        "read the file from a path instead, and make the path a parameter (data_path = 'data.csv')",
    )


def _first_line(node: ast.AST) -> str:
    return ast.unparse(node).splitlines()[0][:80]


def _body(code) -> list[ast.stmt]:
    return code.tree.body if code.tree is not None else []


def _colab_names(node: ast.AST) -> list[str]:
    """The names a top-level ``import google.colab`` / ``from google.colab[.x] import y`` binds."""
    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[:2] == COLAB.split("."):
        return [alias.asname or alias.name for alias in node.names]
    if isinstance(node, ast.Import):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name.startswith(COLAB)]
    return []


def _calls_only(node: ast.AST, names: set[str]) -> bool:
    """``drive.mount(...)`` on a line of its own: a call on a Colab name whose value nothing keeps."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    while isinstance(func, (ast.Attribute, ast.Call)):
        func = func.func if isinstance(func, ast.Call) else func.value
    return isinstance(func, ast.Name) and func.id in names


def compute_derived_parameters(plan, codes, converted) -> None:
    """Lines of a parameters cell that compute a value instead of stating one
    (``TRAIN = os.path.join(DATA_DIR, 'train.csv')``, ``OUT = Path(OUT_DIR)``,
    ``os.makedirs(OUT, exist_ok=True)``) run at the start of the first step that reads what they
    bind (else the first step), so a value given for a parameter reaches them; papermill would
    run them once, with the defaults. Its imports join ``common.py``. ``codes`` and ``converted``
    get the moved lines as a cell of that step, placed before the step's first cell."""
    for code in [c for c in converted if c.cell.role == "parameters" and c.tree is not None]:
        derived = [s for s in code.tree.body if _derived_line(s)]
        steps = [c for c in converted if c.cell.role == "step" and c.cell.index > code.cell.index]
        if not derived or not steps:
            continue
        imports = [s for s in derived if isinstance(s, (ast.Import, ast.ImportFrom))]
        computed = [s for s in derived if s not in imports]
        if imports:
            _add_to_setup(plan, code, imports)
        if computed:
            source = _keep_statements(code.source, computed)
            facts = analyse(ast.parse(source))
            first = next((c for c in steps if set(c.facts.refs) & set(facts.defs)), steps[0])
            _insert_step_cell(codes, converted, first, code, source)
            plan.diagnostics.append(_derived_note(code, computed, facts.defs, first.cell.step))
        code.reparse(_blank_statements(code.source, derived))


def _derived_line(node: ast.stmt) -> bool:
    """A parameters-cell line that is no parameter but can run before the steps: an import, an
    assignment of a computed value, a call. Anything else stays, and is NB109."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return not any(a.name == "*" for a in node.names)
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call)
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not is_literal(node.value)
    return False


def _keep_statements(source: str, nodes) -> str:
    """``source`` with only the lines of ``nodes``, the others empty, so line numbers still match the cell."""
    keep = {n for node in nodes for n in range(node.lineno, node.end_lineno + 1)}
    return "".join(line if number in keep else "\n" for number, line in enumerate(source.splitlines(keepends=True), 1))


def _derived_note(code, computed: list[ast.stmt], names, step: str) -> Diagnostic:
    if names:
        what = f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} computed"
    else:
        what = f"{_first_line(computed[0])} runs"
    said = f"{what} at the start of step {step!r}, with the values the parameters are given"
    return Diagnostic("NB112", said, code.cell.index, code.cell.id, computed[0].lineno)


def run_main_guards(plan, converted) -> None:
    """``if __name__ == '__main__':`` is true in a kernel, whose namespace is ``__main__``, and
    false in the package's modules, where a pasted script's ``n = main()`` then never ran. Its
    test becomes ``True`` (``!=``: ``False``), in the clean run too, so the block runs as it did."""
    for code in converted:
        if code.tree is None:
            continue
        guards = [
            node
            for node in ast.walk(code.tree)
            if isinstance(node, ast.If)
            and _main_test(node.test) is not None
            and node.test.lineno == node.test.end_lineno
        ]
        if not guards:
            continue
        lines = code.source.splitlines(keepends=True)
        for node in sorted(guards, key=lambda n: (n.test.lineno, n.test.col_offset), reverse=True):
            number, text = node.test.lineno, lines[node.test.lineno - 1]
            start = source_offset([text], 1, node.test.col_offset)
            end = source_offset([text], 1, node.test.end_col_offset or len(text.encode()))
            lines[number - 1] = text[:start] + str(_main_test(node.test)) + text[end:]
            plan.diagnostics.append(
                Diagnostic(
                    "NB216",
                    f"if {ast.unparse(node.test)}: is {_main_test(node.test)}, as in the kernel",
                    code.cell.index,
                    code.cell.id,
                    number,
                )
            )
        code.reparse("".join(lines))


def _main_test(test: ast.expr) -> bool | None:
    """True for ``__name__ == '__main__'``, False for ``!=`` (either way round), else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    sides = {ast.unparse(test.left), ast.unparse(test.comparators[0])}
    if sides != {"__name__", "'__main__'"}:
        return None
    return isinstance(test.ops[0], ast.Eq)


def localize_step_globals(plan, converted) -> None:
    """``global NAME`` in a function a step cell defines meant the notebook's variable. In the
    package that variable is a local of the step's function, which ``nonlocal NAME`` names.
    Rewritten where every NAME is the step's own (a step cell binds it, or it is a parameter)
    and the function stays in its step (no cell of another step or a test reads it): there
    both mean the same variable. Elsewhere the ``global`` stays, and NB305 says what to do.
    Run last of the rewrites: the package's copy of the cell is final from here."""
    bound: dict[str | None, set[str]] = {}
    for code in converted:
        if code.cell.role == "step":
            bound.setdefault(code.cell.step, set()).update(code.facts.defs)
    for code in converted:
        if code.cell.role != "step" or code.tree is None:
            continue
        own = bound.get(code.cell.step, set()) | plan.param_names
        outside = [c for c in converted if c.cell.role != "step" or c.cell.step != code.cell.step]
        changed = [
            (function, statement)
            for function, statement in _function_globals(code.tree)
            if set(statement.names) <= own and not any(function.name in c.facts.refs for c in outside)
        ]
        if not changed:
            continue
        # The clean run keeps the notebook's `global` (at a cell's top level `nonlocal` is a
        # syntax error); the package and the analysis see the step function's version.
        package = _nonlocal_for_global(code.source, [statement for _, statement in changed])
        code.facts = analyse(ast.parse(package), {k: list(v) for k, v in code.facts.aliases.items()})
        code.package_source = tidy(package)
        for function, statement in changed:
            names = ", ".join(repr(n) for n in statement.names)
            plan.diagnostics.append(
                Diagnostic(
                    "NB314",
                    f"function {function.name}() declares {names} global: made nonlocal, the step's own variable",
                    code.cell.index,
                    code.cell.id,
                    statement.lineno,
                )
            )


def _function_globals(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Global]]:
    """(function, its ``global`` statement) for functions at the cell's level (in a class or a
    block there too), not nested in another function, where ``nonlocal`` would name that one's."""
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Global]] = []

    def visit(node: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | None, depth: int) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child, depth + 1)
            elif isinstance(child, ast.Lambda):  # holds no statement, but a def is nested deeper
                visit(child, None, depth + 1)
            elif isinstance(child, ast.Global) and depth == 1 and function is not None:
                found.append((function, child))
            else:
                visit(child, function, depth)

    visit(tree, None, 0)
    return found


def _nonlocal_for_global(source: str, statements: list[ast.Global]) -> str:
    lines = source.splitlines(keepends=True)
    for statement in statements:
        line = lines[statement.lineno - 1].encode()
        start = statement.col_offset  # a byte offset, as ast gives it
        assert line[start : start + 6] == b"global", line
        lines[statement.lineno - 1] = (line[:start] + b"nonlocal" + line[start + 6 :]).decode()
    return "".join(lines)


def _written_file(code) -> str | None:
    """The target of a ``%%writefile PATH`` cell (as normalized to ``Path(PATH).write_text(TEXT)``)."""
    first = code.cell.source.lstrip().split("\n", 1)[0].split()
    if not first or first[0] != "%%writefile" or "-a" in first or "--append" in first or code.tree is None:
        return None
    call = code.tree.body[-1].value if code.tree.body and isinstance(code.tree.body[-1], ast.Expr) else None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "write_text"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.func.value, ast.Call)
        and call.func.value.args
        and isinstance(call.func.value.args[0], ast.Constant)
    ):
        return None
    return call.func.value.args[0].value


# Methods that read a value to show it: a line calling only these (``df.isna().sum()``,
# ``df.describe().T``, ``df.groupby("a")["b"].mean()``) displayed something and changed nothing.
VALUE_DISPLAY_METHODS = frozenset(
    {
        "head",
        "tail",
        "describe",
        "info",
        "value_counts",
        "nunique",
        "unique",
        "corr",
        "cov",
        "isna",
        "isnull",
        "notna",
        "count",
        "memory_usage",
        "sum",
        "mean",
        "median",
        "std",
        "var",
        "min",
        "max",
        "quantile",
        "nlargest",
        "nsmallest",
        "sort_values",
        "sort_index",
        "round",
        "groupby",
        "agg",
        "to_frame",
        "transpose",
        "duplicated",
        "any",
        "all",
    }
)


def is_value_display(node: ast.AST) -> bool:
    """An expression whose only effect in a notebook was to display its value."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return is_value_display(node.value)
    if isinstance(node, ast.Subscript):
        return is_value_display(node.value) and is_value_display(node.slice)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_value_display(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(is_value_display(p) for p in (node.lower, node.upper, node.step) if p is not None)
    if isinstance(node, ast.Call):
        return (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in VALUE_DISPLAY_METHODS
            and is_value_display(node.func.value)
            and all(is_value_display(a) for a in node.args)
            and all(k.arg != "inplace" and is_value_display(k.value) for k in node.keywords)
        )
    return False


def _blank_statements(source: str, nodes) -> str:
    """``source`` without the lines of ``nodes`` (their decorators too), kept as empty lines so
    line numbers still match the cell."""
    lines = source.splitlines(keepends=True)
    for node in nodes:
        for number in range(_first_lineno(node), node.end_lineno + 1):
            lines[number - 1] = "\n"
    return "".join(lines)


def _first_lineno(node) -> int:
    """A statement's first line: its first decorator's, for a decorated definition."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def tidy(source: str) -> str:
    """The package's copy of a cell: no leading empty lines and at most two in a row, so the lines
    a rewrite emptied (kept in the notebook's copy for its line numbers) leave no gaps; text
    inside multi-line strings is kept as it is."""
    keep: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                keep |= set(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    out: list[str] = []
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        empty = not line.strip() and number not in keep
        if empty and (not out or (len(out) >= 2 and not out[-1].strip() and not out[-2].strip())):
            continue
        out.append(line)
    return "".join(out)
