"""Static def/use analysis of one cell: what it defines, reads and mutates.

Scope-aware: names bound inside functions, lambdas, comprehensions and classes are local
to them; their free names count as reads of the cell. A read is a *reference* only when it
happens before the cell binds the name, statement by statement.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

__all__ = ["CellFacts", "analyse", "BUILTINS"]

# get_ipython calls that survive normalization already have a coded diagnostic of their own
BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "get_ipython"}

MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "fit",
        "partial_fit",
        "fit_transform",
        "fit_predict",
        "set_params",
        "resize",
        "fill",
        "put",
        "itemset",
        "setflags",
        "__setitem__",
    }
)
MUTATING_FUNCTIONS = frozenset({"shuffle"})  # mutate their first argument


@dataclass
class CellFacts:
    defs: dict[str, int] = field(default_factory=dict)  # name -> first line bound
    refs: dict[str, int] = field(default_factory=dict)  # read before bound -> first line
    deferred: set[str] = field(default_factory=set)  # refs read only inside def/lambda bodies
    mutations: dict[str, int] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # bound name -> top-level module
    functions: dict[str, int] = field(default_factory=dict)  # def/class names -> line
    loop_only: set[str] = field(default_factory=set)  # bound only as loop/with targets
    star_imports: list[tuple[str, int]] = field(default_factory=list)
    global_writes: list[tuple[str, str, int]] = field(default_factory=list)  # function, name, line
    other_statements: list[int] = field(default_factory=list)  # lines of non def/import/assign stmts
    aliases: dict[str, list[str]] = field(default_factory=dict)  # alias -> names it holds, after the cell
    clock: set[str] = field(default_factory=set)  # names assigned from a clock (time.perf_counter(), ...)
    tracking: set[str] = field(default_factory=set)  # names assigned from nbops (run.id, register_model(...))

    @property
    def outputs(self) -> list[str]:
        """Names worth handing to later steps: data the cell binds or changes."""
        names = list(self.defs) + [n for n in self.mutations if n not in self.defs]
        return [
            n
            for n in names
            if n not in self.imports and n not in self.functions and n not in self.loop_only and not n.startswith("_")
        ]


def analyse(tree: ast.Module | None, aliases: dict[str, list[str]] | None = None) -> CellFacts:
    """Facts of one cell; ``aliases`` carries ``combine = [train, test]`` from earlier cells and is updated."""
    facts = CellFacts()
    if tree is None:
        return facts
    bound_other: set[str] = set()
    aliases = {} if aliases is None else aliases  # name -> the names whose objects it may hold
    for statement in tree.body:
        scan = _Scan(aliases)
        scan.visit(statement)
        for name, line in scan.loads.items():
            if name not in facts.defs:
                if name not in facts.refs and name in scan.deferred:
                    facts.deferred.add(name)
                elif name not in scan.deferred:
                    facts.deferred.discard(name)
                facts.refs.setdefault(name, line)
        for name, line in scan.mutations.items():
            if name not in facts.defs and name not in scan.stores:  # bound here first: not a read
                facts.refs.setdefault(name, line)
            facts.mutations.setdefault(name, line)
        for name, line in scan.stores.items():
            facts.defs.setdefault(name, line)
        bound_other |= set(scan.stores) - scan.loop_targets
        facts.loop_only |= scan.loop_targets
        facts.imports.update(scan.imports)
        facts.functions.update(scan.functions)
        facts.star_imports += scan.star_imports
        if (
            isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            and statement.value is not None
            and any(_is_clock(n) for n in ast.walk(statement.value))
        ):
            facts.clock |= set(scan.stores)
        facts.global_writes += scan.global_writes
        if not isinstance(
            statement,
            (
                ast.FunctionDef,
                ast.AsyncFunctionDef,
                ast.ClassDef,
                ast.Import,
                ast.ImportFrom,
                ast.Assign,
                ast.AnnAssign,
            ),
        ) and not _is_docstring(statement):
            facts.other_statements.append(statement.lineno)
    facts.loop_only -= bound_other
    facts.tracking = _tracking_names(tree.body, facts)
    facts.aliases = {k: list(v) for k, v in aliases.items()}
    return facts


CLOCKS = frozenset(
    {
        "time",
        "time_ns",
        "perf_counter",
        "perf_counter_ns",
        "monotonic",
        "process_time",
        "now",
        "utcnow",
        "today",
        "default_timer",
    }
)


def _is_clock(node: ast.AST) -> bool:
    """``time.perf_counter()``, ``datetime.now()``, ``timeit.default_timer()`` ..."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in CLOCKS) or (
        isinstance(func, ast.Name) and func.id in CLOCKS
    )


def _tracking_names(body: list[ast.stmt], facts: CellFacts) -> set[str]:
    """Names bound to what nbops returned: the run of ``with nbops.start_run(...) as run``, then
    ``run_id = run.id`` or ``version = nbops.register_model(...)``. Each run has its own."""
    tracked = {"nbops"} | {alias for alias, module in facts.imports.items() if (module or "").startswith("nbops")}
    found: set[str] = set()

    def reads_tracked(node: ast.AST | None) -> bool:
        return node is not None and any(isinstance(n, ast.Name) and n.id in tracked | found for n in ast.walk(node))

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    if reads_tracked(item.context_expr) and isinstance(item.optional_vars, ast.Name):
                        found.add(item.optional_vars.id)
                visit(statement.body)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and reads_tracked(statement.value):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                found.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(statement, (ast.If, ast.For, ast.While, ast.Try)):
                visit([s for s in ast.iter_child_nodes(statement) if isinstance(s, ast.stmt)])

    visit(body)
    return found


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _root_name(node: ast.AST) -> str | None:
    """The name whose object ``node`` (``a.b[c]``, ``a.b(c).d``) is part of; None where ``node``
    is built by calling a plain name (``make_pipeline(...).fit(X)``, ``Model().fit(X)``): a new
    object, not the name's. (Calls on an imported module, ``pd.DataFrame(...)``, are left to the
    plan, which knows the setup cells' imports.)"""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                return None
            node = node.func
        else:
            node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Scan(ast.NodeVisitor):
    """Module-level reads, binds and mutations of one top-level statement."""

    def __init__(self, aliases: dict[str, list[str]] | None = None):
        self.loads: dict[str, int] = {}
        self.deferred: set[str] = set()  # loads that happen only when a function is called
        self.stores: dict[str, int] = {}
        self.mutations: dict[str, int] = {}
        self.imports: dict[str, str] = {}
        self.functions: dict[str, int] = {}
        self.loop_targets: set[str] = set()
        self.star_imports: list[tuple[str, int]] = []
        self.global_writes: list[tuple[str, str, int]] = []
        # loop variable or alias -> the names whose objects it holds (``for d in [train, test]``,
        # ``combine = [train, test]; for d in combine``, ``X = df``): mutating it mutates them
        self.aliases: dict[str, list[str]] = aliases if aliases is not None else {}

    # names
    def visit_Name(self, node: ast.Name):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.stores:  # bound earlier in this statement: not a reference
                self.loads.setdefault(node.id, node.lineno)
        else:
            self.stores.setdefault(node.id, node.lineno)

    def mutate(self, target: ast.AST, line: int):
        name = _root_name(target)
        if name is None:
            return
        for real in self.aliases.get(name, [name]):
            self.mutations.setdefault(real, line)

    # statements that bind or mutate
    def visit_Assign(self, node: ast.Assign):
        self.visit(node.value)
        for target in node.targets:
            self.bind_target(target)
        members = self.members(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and members:
                self.aliases[target.id] = members

    def members(self, value: ast.AST) -> list[str]:
        """Names whose objects ``value`` holds as is: ``x``, ``[a, b]``, ``(a, b)``."""
        elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        found: list[str] = []
        for element in elements:
            if isinstance(element, ast.Name):
                found += [n for n in self.aliases.get(element.id, [element.id]) if n not in found]
        return found

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is not None:
            self.visit(node.value)
        self.bind_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.loads.setdefault(node.target.id, node.lineno)
            self.stores.setdefault(node.target.id, node.lineno)
            self.mutate(node.target, node.lineno)
        else:
            self.bind_target(node.target)

    def visit_Delete(self, node: ast.Delete):
        for target in node.targets:
            self.bind_target(target)

    def bind_target(self, target: ast.AST):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)
        elif isinstance(target, ast.Name):
            self.stores.setdefault(target.id, target.lineno)
            self.aliases.pop(target.id, None)  # rebound: no longer an alias
        else:  # subscript or attribute store: mutation of the root object
            self.mutate(target, target.lineno)
            self.generic_visit(target)

    def visit_For(self, node: ast.For):
        self.visit(node.iter)
        before = set(self.stores)
        self.bind_target(node.target)
        self.loop_targets |= set(self.stores) - before
        if isinstance(node.target, ast.Name):
            if isinstance(node.iter, (ast.List, ast.Tuple)):
                members = self.members(node.iter)
            elif isinstance(node.iter, ast.Name):
                members = [n for n in self.aliases.get(node.iter.id, []) if n != node.iter.id]
            else:
                members = []
            if members:
                self.aliases[node.target.id] = members
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem):
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            before = set(self.stores)
            self.bind_target(node.optional_vars)
            self.loop_targets |= set(self.stores) - before

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            inplace = any(
                k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.keywords
            )
            if func.attr in MUTATING_METHODS or inplace:
                self.mutate(func.value, node.lineno)
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in MUTATING_FUNCTIONS and node.args:
            self.mutate(node.args[0], node.lineno)

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            self.stores.setdefault(bound, node.lineno)
            self.imports[bound] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom):
        module = (node.module or "").split(".")[0] if not node.level else ""
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append((node.module or "", node.lineno))
                continue
            bound = alias.asname or alias.name
            self.stores.setdefault(bound, node.lineno)
            self.imports[bound] = module

    # nested scopes: their free names are reads of the cell
    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit_arguments_defaults(node.args)
        self.stores.setdefault(node.name, node.lineno)
        self.functions[node.name] = node.lineno
        self.scope(node.args, node.body, node.name, deferred=True)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef):
        for expression in node.bases + node.decorator_list + [k.value for k in node.keywords]:
            self.visit(expression)
        self.stores.setdefault(node.name, node.lineno)
        self.functions[node.name] = node.lineno
        self.scope(None, node.body, node.name)

    def visit_Lambda(self, node: ast.Lambda):
        self.visit_arguments_defaults(node.args)
        self.scope(node.args, [node.body], "<lambda>", deferred=True)

    def visit_comprehension_scope(self, node):
        self.visit(node.generators[0].iter)
        inner = [node.elt] if hasattr(node, "elt") else [node.key, node.value]
        targets = [g.target for g in node.generators]
        rest = [g.iter for g in node.generators[1:]] + [c for g in node.generators for c in g.ifs]
        self.scope(None, inner + rest, "<comprehension>", extra_locals=targets)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_comprehension_scope

    def visit_arguments_defaults(self, args: ast.arguments):
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)

    def scope(self, args, body, name, extra_locals=(), deferred=False):
        inner = _Scan()
        for node in body:
            inner.visit(node)
        for target in extra_locals:
            inner.bind_target(target)
        local = set(inner.stores)
        if args is not None:
            local |= {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
            local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        declared_global, declared_nonlocal = set(), set()
        for node in body:
            for sub in ast.walk(node) if isinstance(node, ast.AST) else ():
                if isinstance(sub, ast.Global):
                    declared_global |= set(sub.names)
                elif isinstance(sub, ast.Nonlocal):  # the enclosing scope's variable: its reads go there
                    declared_nonlocal |= set(sub.names)
        for global_name in sorted(declared_global & set(inner.stores)):
            self.global_writes.append((name, global_name, inner.stores[global_name]))
        local -= declared_global | declared_nonlocal
        for loaded, line in list(inner.loads.items()) + list(inner.mutations.items()):
            if loaded in local or loaded in self.stores:
                continue
            if loaded not in self.loads and (deferred or loaded in inner.deferred):
                self.deferred.add(loaded)
            elif not (deferred or loaded in inner.deferred):
                self.deferred.discard(loaded)
            self.loads.setdefault(loaded, line)
        self.global_writes += inner.global_writes
        self.star_imports += inner.star_imports
