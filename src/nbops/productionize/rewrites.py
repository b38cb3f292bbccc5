"""Cell rewrites that let real notebooks convert as written, before the plan is built.

- Kale's merge rule: in a Kale-tagged notebook an untagged cell belongs to the block above it.
- Imports in step cells move to ``common.py``: a module is no step's data.
- Lines that only displayed a value (``X.shape``, ``df.head()``) are dropped.
- A ``%%writefile`` cell's text ships as a file of the package instead of a string literal.

Dropped lines become empty lines, so diagnostics keep the cell's line numbers.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize

from .analysis import analyse

__all__ = ["merge_kale_blocks", "hoist_step_imports", "drop_dead_expressions", "ship_written_files", "tidy"]

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
        source = "".join(ast.get_source_segment(code.source, n) + "\n" for n in nodes)
        hoisted = type(code)(code.cell, source, ast.parse(source), analyse(ast.parse(source)))
        plan.setup.append(hoisted)
        code.reparse(_blank_statements(code.source, nodes))


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
        dead = [n for n in code.tree.body if isinstance(n, ast.Expr) and _pure(n.value)]
        if dead:
            code.reparse(_blank_statements(code.source, dead))


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


_DISPLAY_METHODS = frozenset(
    {
        "head",
        "tail",
        "describe",
        "info",
        "value_counts",
        "nunique",
        "unique",
        "corr",
        "isna",
        "isnull",
        "count",
        "memory_usage",
    }
)


def _pure(node: ast.AST) -> bool:
    """An expression whose only effect in a notebook was to display its value."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _pure(node.value)
    if isinstance(node, ast.Subscript):
        return _pure(node.value) and _pure(node.slice)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_pure(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        return all(_pure(p) for p in (node.lower, node.upper, node.step) if p is not None)
    if isinstance(node, ast.Call):
        return (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in _DISPLAY_METHODS
            and _pure(node.func.value)
            and all(_pure(a) for a in node.args)
            and all(_pure(k.value) for k in node.keywords)
        )
    return False


def _blank_statements(source: str, nodes) -> str:
    """``source`` without the lines of ``nodes``, kept as empty lines so line numbers still match the cell."""
    lines = source.splitlines(keepends=True)
    for node in nodes:
        for number in range(node.lineno, node.end_lineno + 1):
            lines[number - 1] = "\n"
    return "".join(lines)


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
