"""The ``parameters`` cell -> typed parameter specs (papermill's convention: literal assignments)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .diagnostics import Diagnostic

__all__ = ["Param", "read_parameters", "is_literal"]

_LITERAL_TYPES = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}
_ANNOTATIONS = {"bool", "int", "float", "str", "list", "dict"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # one of bool/int/float/str/list/dict
    default: object
    optional: bool = False  # default None is allowed
    cell_index: int | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "default": self.default, "optional": self.optional}


def read_parameters(cells) -> tuple[list[Param], list[Diagnostic]]:
    """Parameters from every ``parameters`` cell, later cells overriding earlier ones."""
    params: dict[str, Param] = {}
    diags: list[Diagnostic] = []
    for cell, tree in cells:
        for statement in tree.body if tree else []:
            param, problem = _read_statement(statement, cell.index)
            if problem:
                diags.append(
                    Diagnostic(
                        "NB109",
                        problem,
                        cell.index,
                        cell.id,
                        statement.lineno,
                        "keep only `name = literal` lines here (optionally `name: type = literal`); "
                        "compute derived values in a step",
                    )
                )
            elif param:
                params[param.name] = param
                if param.default is None and not isinstance(statement, ast.AnnAssign):
                    diags.append(
                        Diagnostic(
                            "NB110",
                            f"parameter {param.name} = None has no type: a value given for it "
                            "(-p, a params file, an environment variable) arrives as text",
                            cell.index,
                            cell.id,
                            statement.lineno,
                            f"annotate it if it takes numbers or lists, e.g. {param.name}: float | None = None",
                        )
                    )
    return list(params.values()), diags


def is_literal(node: ast.expr) -> bool:
    """A value written out (``0.5``, ``'data'``, ``[1, 2]``), as a parameter's default must be."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _read_statement(node: ast.stmt, cell_index: int):
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return None, None  # a docstring or bare literal
    annotation = None
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        target, value, annotation = node.target, node.value, node.annotation
    elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        target, value = node.targets[0], node.value
    else:
        return None, f"statement {ast.unparse(node)[:60]!r} is not `name = literal`"
    try:
        default = ast.literal_eval(value)
    except ValueError:
        return None, f"{target.id} = {ast.unparse(value)[:60]} is not a literal"
    type_name, optional = _annotation_type(annotation) if annotation is not None else (None, False)
    if type_name is None:
        if default is None:
            type_name, optional = "str", True
        elif type(default) in _LITERAL_TYPES:
            type_name = _LITERAL_TYPES[type(default)]
        elif isinstance(default, tuple):
            type_name, default = "list", list(default)
        else:
            return (
                None,
                f"{target.id} has a value of type {type(default).__name__}; use bool, int, float, str, list or dict",
            )
    if default is None:
        optional = True
    return Param(target.id, type_name, default, optional, cell_index), None


def _annotation_type(node: ast.expr) -> tuple[str | None, bool]:
    text = ast.unparse(node).replace(" ", "")
    optional = False
    for wrapper in ("Optional[", "typing.Optional["):
        if text.startswith(wrapper) and text.endswith("]"):
            text, optional = text[len(wrapper) : -1], True
    if text.endswith("|None"):
        text, optional = text[: -len("|None")], True
    base = text.split("[")[0]
    return (base if base in _ANNOTATIONS else None), optional
