"""``library`` functions: their free globals (via symtable) and the safe auto-fix.

A free global of a library function is fine when it is a builtin, another library name or a
setup name (constants stay module constants). A parameter becomes a keyword argument; notebook
data (a step's value) does too when every use of the function is a direct call in a step or
test cell, otherwise it is a coded error. The fix rewrites the ``def`` line and the call sites.
"""

from __future__ import annotations

import ast
import io
import symtable
import tokenize
from dataclasses import dataclass, field

__all__ = [
    "FunctionGlobals",
    "free_globals",
    "add_keyword_parameters",
    "add_call_keywords",
    "direct_calls_only",
    "unresolved_names",
    "source_offset",
]


@dataclass
class FunctionGlobals:
    function: str
    cell_index: int
    names: dict[str, int] = field(default_factory=dict)  # global name -> line of first use


def free_globals(source: str, cell_index: int) -> list[FunctionGlobals]:
    """Globals read by each top-level function or class of a cell (methods and nested functions included)."""
    tree = ast.parse(source)
    table = symtable.symtable(source, f"<cell {cell_index}>", "exec")
    found = []
    for child in table.get_children():
        if child.get_type() not in {"function", "class"}:
            continue
        names: set[str] = set()
        _collect(child, names)
        lines = _first_lines(tree, child.get_name())
        found.append(
            FunctionGlobals(child.get_name(), cell_index, {n: lines.get(n, child.get_lineno()) for n in sorted(names)})
        )
    return found


def _collect(table: symtable.SymbolTable, names: set[str]):
    for symbol in table.get_symbols():
        if symbol.is_global() and symbol.is_referenced():
            names.add(symbol.get_name())
    for child in table.get_children():
        _collect(child, names)


def _first_lines(tree: ast.Module, function: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == function:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    lines.setdefault(sub.id, sub.lineno)
    return lines


def direct_calls_only(tree: ast.Module | None, function: str) -> bool:
    """True when ``function`` is only ever used as ``function(...)`` in ``tree``."""
    if tree is None:
        return True
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return all(
        id(node) in called
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == function and isinstance(node.ctx, ast.Load)
    )


def source_offset(lines: list[str], line: int, col_bytes: int) -> int:
    """Character offset in the joined text of a (1-based line, utf-8 byte column) position."""
    prefix = lines[line - 1].encode("utf-8")[:col_bytes].decode("utf-8")
    return sum(len(text) for text in lines[: line - 1]) + len(prefix)


def add_keyword_parameters(source: str, function: str, keywords: dict[str, str | None]) -> str | None:
    """Add keyword-only parameters (name -> default source or None) to ``def function``.

    Returns None when the signature has ``**kwargs`` (no safe place to add them).
    """
    tree = ast.parse(source)
    node = next(
        (n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function), None
    )
    if node is None or node.args.kwarg is not None:
        return None
    lines = source.splitlines(keepends=True)
    start = source_offset(lines, node.lineno, node.col_offset)
    close = _closing_paren(source, start)
    args = node.args
    has_star = args.vararg is not None or bool(args.kwonlyargs)
    has_any = bool(args.posonlyargs or args.args or has_star)
    pieces = [f"{name}={default}" if default is not None else name for name, default in keywords.items()]
    text = ", ".join(pieces) if has_star else "*, " + ", ".join(pieces)
    before = source[:close].rstrip()
    if has_any and not before.endswith(","):
        text = ", " + text
    elif has_any:
        text = " " + text
    return source[:close] + text + source[close:]


def _closing_paren(source: str, start: int) -> int:
    """Offset of the ``)`` that closes the parameter list of the def starting at ``start``."""
    depth = 0
    tokens = tokenize.generate_tokens(io.StringIO(source[start:]).readline)
    lines = source[start:].splitlines(keepends=True)
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
            if depth == 0:
                row, col = token.start
                return start + sum(len(t) for t in lines[: row - 1]) + col
    raise ValueError("unbalanced parameter list")


def add_call_keywords(source: str, function: str, names: list[str]) -> str:
    """Rewrite every ``function(...)`` call in ``source`` to also pass ``name=name``."""
    tree = ast.parse(source)
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function
    ]
    lines = source.splitlines(keepends=True)
    for call in sorted(calls, key=lambda c: (c.end_lineno, c.end_col_offset), reverse=True):
        close = source_offset(lines, call.end_lineno, call.end_col_offset) - 1  # the ")"
        passed = {k.arg for k in call.keywords}
        extra = ", ".join(f"{n}={n}" for n in names if n not in passed)
        if not extra:
            continue
        before = source[:close].rstrip()
        if call.args or call.keywords:
            extra = (" " if before.endswith(",") else ", ") + extra
        source = source[:close] + extra + source[close:]
        lines = source.splitlines(keepends=True)
    return source


def unresolved_names(source: str, builtins: frozenset[str] | set[str]) -> list[tuple[str, int]]:
    """Names a module reads (at module level or from any function or class in it) that it
    neither binds nor imports and that are not builtins: each would be a NameError at run time."""
    tree = ast.parse(source)
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree)):
        return []  # a star import binds names no static check can list
    top = symtable.symtable(source, "<module>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    lines = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            lines.setdefault(node.id, node.lineno)
    found: dict[str, int] = {}

    def visit(table, module_level):
        for symbol in table.get_symbols():
            name = symbol.get_name()
            free = symbol.is_referenced() and (module_level or symbol.is_global())
            if free and name not in bound and name not in builtins:
                found.setdefault(name, lines.get(name, table.get_lineno()))
        for child in table.get_children():
            visit(child, False)

    visit(top, True)
    return sorted(found.items(), key=lambda item: item[1])
