"""``%run script.py``: the names a script binds when a notebook runs it, and the plain Python
that binds the same names in the package.

IPython runs the script as ``__main__`` in a namespace of its own and then copies that namespace
into the notebook's, so every name the script binds at module level (its functions, classes,
constants and imports) is the notebook's afterwards. ``runpy.run_path`` does the first half and
returns that namespace; the translation then binds each name from it. A script beside the
notebook that never tests ``__name__`` is imported instead (``from helpers import load, Scaler``),
which binds the same names and lets its classes pickle by reference.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Translation", "translate_run"]


@dataclass
class Translation:
    """What ``%run ARGS`` becomes: ``lines`` of Python, or None with the ``reason`` it cannot."""

    lines: list[str] | None
    reason: str = ""
    suggestion: str = ""


_NOTEBOOK_SUGGESTION = "move the functions that notebook defines into a .py module beside this one and import them"
_REFUSED_SUGGESTION = "move that code into a library cell, or import it as a module"


def translate_run(arguments: str, folder: Path | None) -> Translation:
    """Plain Python for ``%run ARGUMENTS`` in a notebook whose folder is ``folder``."""
    try:
        words = shlex.split(arguments)
    except ValueError:
        return Translation(None, "its arguments do not parse", _REFUSED_SUGGESTION)
    if not words:
        return Translation(None, "names no file", _REFUSED_SUGGESTION)
    if words[0].startswith("-"):  # -i (the notebook's namespace), -m (a module), -d/-p/-t …
        return Translation(None, f"{words[0]} has no plain-Python equivalent", _REFUSED_SUGGESTION)
    if len(words) > 1:
        return Translation(None, f"passes arguments to the script ({' '.join(words[1:])})", _REFUSED_SUGGESTION)
    name = words[0]
    if re.search(r"[$*?{]", name):  # expanded by IPython from the notebook's variables, or a glob
        return Translation(None, "names the file through a variable or pattern", _REFUSED_SUGGESTION)
    if name.endswith(".ipynb"):
        return Translation(None, "runs another notebook", _NOTEBOOK_SUGGESTION)
    if folder is None:
        return Translation(None, "is read only where the notebook's folder is known", _REFUSED_SUGGESTION)
    path, name = _script_path(folder, name)
    if path is None:
        return Translation(None, f"names {name!r}, which is not a file beside the notebook", _REFUSED_SUGGESTION)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return Translation(None, f"runs {name!r}, which cannot be read as Python ({exc})", _REFUSED_SUGGESTION)
    bindings = module_bindings(tree)
    if bindings is None:
        return Translation(None, f"runs {name!r}, which star-imports (its names are not known)", _REFUSED_SUGGESTION)
    imports, names = bindings
    if names and _importable_as_module(name, tree):
        return Translation([*imports, f"from {Path(name).stem} import {', '.join(names)}"])
    return Translation([*imports, *_binding_lines(name, names)])


def _importable_as_module(name: str, tree: ast.Module) -> bool:
    """Whether importing the script binds what ``%run`` binds: it sits beside the notebook (whose
    folder is first on ``sys.path`` when the steps run), its stem is a module name, and nothing
    in it tests ``__name__`` (imported, it is not ``__main__``). Imported, its classes pickle by
    reference (``helpers.Scaler``), so a step's output that is one of them can be cached."""
    stem = Path(name).stem
    if Path(name).parent != Path(".") or not name.endswith(".py") or not stem.isidentifier():
        return False
    return not any(isinstance(node, ast.Name) and node.id == "__name__" for node in ast.walk(tree))


def _script_path(folder: Path, name: str) -> tuple[Path | None, str]:
    """The script's file and its name as the package will give it, ``.py`` added where
    IPython adds it (``%run helpers`` runs helpers.py when there is no file ``helpers``)."""
    for candidate in (name, name + ".py") if not name.endswith(".py") else (name,):
        path = folder / candidate
        if path.is_file():
            return path, candidate
    return None, name


def _binding_lines(name: str, names: list[str]) -> list[str]:
    namespace = "_ran_" + (re.sub(r"\W+", "_", Path(name).stem).strip("_") or "script")
    call = f"runpy.run_path({name!r}, run_name='__main__')"
    if not names:
        return ["import runpy", call]
    return ["import runpy", f"{namespace} = {call}", *(f"{n} = {namespace}[{n!r}]" for n in names)]


def module_bindings(tree: ast.Module) -> tuple[list[str], list[str]] | None:
    """(import statements, other names) that ``tree`` binds at module level, in order, dunder
    names left out; None when it star-imports. A name bound only by a top-level import is that
    import again in the package (the same module, and its distribution joins the requirements);
    any other is read from the script's namespace. Bindings inside ``if``/``try``/``with``/loops
    count (a ``try: import x`` fallback binds ``x`` either way); those inside functions do not."""
    found: dict[str, None] = {}
    imported: dict[str, ast.stmt] = {}  # name -> the top-level import that binds it
    for statement in tree.body:
        for node in _module_level_nodes(statement):
            if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                return None
            if isinstance(node, ast.Delete):  # ``del x`` leaves no x in the namespace
                for name in (n for target in node.targets for n in _target_names(target)):
                    found.pop(name, None)
                    imported.pop(name, None)
            for bound in _bound_names(node):
                if bound.startswith("__") and bound.endswith("__"):
                    continue
                plain_import = node is statement and (
                    isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level)
                )
                if bound in found or not plain_import:
                    imported.pop(bound, None)  # bound again, or conditionally: read it from the namespace
                else:
                    imported[bound] = node
                found.setdefault(bound, None)
    statements = list(dict.fromkeys(imported.values()))
    imports = [_import_line(node, set(imported)) for node in statements]
    return [line for line in imports if line], [name for name in found if name not in imported]


def _import_line(node: ast.stmt, keep: set[str]) -> str:
    """``node`` with only the aliases whose names are in ``keep``, as source."""
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    aliases = [a for a in node.names if (a.asname or a.name.split(".")[0]) in keep]
    if not aliases:
        return ""
    copy = ast.ImportFrom(node.module, aliases, node.level) if isinstance(node, ast.ImportFrom) else ast.Import(aliases)
    return ast.unparse(copy)


def _module_level_nodes(node: ast.AST):
    """``node`` and the statements nested in it that still run at module level."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
            yield from _module_level_nodes(child)


def _bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif (
        isinstance(node, (ast.AnnAssign, ast.AugAssign))
        and (not isinstance(node, ast.AnnAssign) or node.value is not None)
        or isinstance(node, (ast.For, ast.AsyncFor))
    ):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    elif isinstance(node, ast.ExceptHandler) and node.name:
        return []  # the exception's name is unbound again when its handler ends
    names = [name for target in targets for name in _target_names(target)]
    # a walrus in a module-level expression binds a module name too
    expressions = (child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    names += [
        n.target.id
        for expression in expressions
        for n in ast.walk(expression)
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
    ]
    return names


def _target_names(target: ast.AST) -> list[str]:
    """Names an assignment target binds: ``a`` and ``b`` of ``a, *b = ...``, none of ``d[k] = ...``."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []
