"""Tag suggestions: a role for every untagged code cell, read from what the cell does.

    suggest_tags(nb) -> [Suggestion]        apply_suggestions(nb, suggestions) -> a tagged copy

The rules, in order (cells that already have a role keep it; empty cells get none, but a
cell of only ``!pip install``/``%pip install`` → ``setup``, so its versions join the requirements,
and so is one of only line magics that ``%run`` a script beside the notebook, for its names):

- a cell whose saved output is an error (it raised when last run) and binds nothing a later
  cell reads before another binds it again (a typo, then the corrected cell) → ``skip``: in
  the clean run it would raise again;
- ``def``/``class`` (with imports, constants and configuration calls, as an ML book's
  ``IMAGES_PATH.mkdir(...)`` beside ``def save_fig``; a call reading step data, as
  ``joblib.dump(model, path)``, or running, fetching or unpacking, as ``subprocess.run``, is
  not configuration) → ``library``;
- the first cell of literal assignments before any step → ``parameters`` (papermill's cell,
  whether its names are lower or UPPER case), also with values computed from them by path
  joins, formatting and arithmetic (``train_path = os.path.join(data_dir, 'train.csv')``);
- only imports (with UPPER_CASE constants, configuration calls, ``try: import … except
  ImportError:`` fallbacks, ``assert``s on the versions imported and lines that only print, as a
  loop listing the input folder), or only settings of
  imported modules (``pd.options.display.max_columns = 50``, ``plt.rcParams[...] = ...``,
  ``%env``) → ``setup``;
- only ``assert`` statements → ``test``;
- only displays (bare expressions, ``df.head()``, ``print``, plots) and binds nothing a later
  cell reads → ``skip``;
- anything else → ``step:NAME``, NAME being the slug of the markdown heading above it (a
  heading starts a new step) or the step of the tagged cell above it, else ``main``.

Suggestions only add tags; tags that are not nbops roles stay. Static, no kernel.
"""

from __future__ import annotations

import ast
import copy
import keyword
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .analysis import BUILTINS, analyse
from .rewrites import VALUE_DISPLAY_METHODS, is_value_display
from .syntax import normalize
from .tags import read_cells, step_identifier

__all__ = ["Suggestion", "suggest_tags", "apply_suggestions", "heading_slug"]

DEFAULT_STEP = "main"
PLOT_ROOTS = frozenset({"plt", "pyplot", "matplotlib", "sns", "seaborn", "px", "go", "alt", "plotly"})
DISPLAY_CALLS = frozenset(
    {"print", "display", "repr", "len", "type", "sorted", "sum", "min", "max", "round", "interact", "interact_manual"}
)
# Calls that draw or print; the methods that only show a value are rewrites' list.
DISPLAY_METHODS = VALUE_DISPLAY_METHODS | frozenset(
    {
        "sample",
        "plot",
        "show",
        "hist",
        "summary",
        "imshow",
        "scatter",
        "bar",
        "barh",
        "boxplot",
        "heatmap",
        "legend",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "title",
        "xlabel",
        "ylabel",
        "tight_layout",
    }
)
_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]*$")  # SEED, _CACHE_DIR; not the throwaway _
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_PARAM_TYPES = (bool, int, float, str, list, dict, tuple, type(None))
MAX_SLUG = 40


@dataclass(frozen=True)
class Suggestion:
    index: int  # position in nb.cells
    id: str | None
    role: str  # parameters, setup, library, step, test or skip
    step: str | None
    reason: str

    @property
    def tag(self) -> str:
        return f"step:{self.step}" if self.role == "step" else self.role

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "id": self.id,
            "role": self.role,
            "step": self.step,
            "tag": self.tag,
            "reason": self.reason,
        }


def heading_slug(text: str) -> str | None:
    """``"## 2. Train the model!"`` -> ``"train_the_model"``: a step name, or None if nothing is left."""
    # accents off first ("Évaluation" -> "evaluation"), then anything else that is not [0-9a-z]
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    words = re.sub(r"[^0-9a-z]+", " ", plain).split()
    while words and words[0].isdigit():
        words.pop(0)  # section numbers
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > MAX_SLUG:
            break
        slug = f"{slug}_{word}" if slug else word[:MAX_SLUG]
    if not slug:
        return None
    if slug[0].isdigit():
        slug = "step_" + slug
    return slug + "_" if keyword.iskeyword(slug) else step_identifier(slug)


def suggest_tags(nb, folder: Path | None = None) -> list[Suggestion]:
    """A role for each code cell of ``nb`` that has none (see the module's rules); ``folder`` is
    the notebook's, where a ``%run`` script is read."""
    cells = {c.index: c for c in read_cells(nb)[0]}
    normalized = {i: normalize(c.source, i, c.id, folder) for i, c in cells.items()}
    trees = {i: n.tree for i, n in normalized.items()}
    facts = {i: analyse(tree) for i, tree in trees.items()}
    later_reads = _later_reads(facts)
    state = _State(params_taken=any(c.role == "parameters" for c in cells.values()))
    found = []
    for index, raw in enumerate(nb.cells):
        if raw.get("cell_type") == "markdown":
            state.heading(raw.get("source", ""))
            continue
        cell = cells.get(index)
        if cell is None:
            continue
        if cell.role is not None:
            state.tagged(cell, facts[index])
            continue
        if normalized[index].requirements and trees[index] is not None and not trees[index].body:
            found.append(
                Suggestion(index, cell.id, "setup", None, "installs packages: their versions join the requirements")
            )
            continue
        if not cell.source.strip() or (trees[index] is not None and not trees[index].body):
            continue
        if normalized[index].ran_scripts and _only_magic_lines(cell.source):
            scripts = ", ".join(normalized[index].ran_scripts)
            found.append(Suggestion(index, cell.id, "setup", None, f"runs {scripts}: its functions and imports"))
            state.suggested("setup", None, facts[index])
            continue
        failed = _saved_error(raw)
        if failed and not _read_before_bound_again(index, facts):
            # a dead end of exploration: in the clean run it would raise again (NB402)
            reason = f"raised {failed} when it last ran, and no later cell reads what it binds"
            found.append(Suggestion(index, cell.id, "skip", None, reason))
            continue
        role, reason = _classify(trees[index], facts[index], state, later_reads.get(index, set()))
        step = state.step if role == "step" else None
        found.append(Suggestion(index, cell.id, role, step, reason))
        state.suggested(role, step, facts[index])
    return found


def _read_before_bound_again(index: int, facts: dict) -> bool:
    """Whether a cell after ``index`` reads a name that cell binds before another cell binds it
    again (the corrected copy of a cell that raised binds the same names anew)."""
    pending = set(facts[index].defs)
    for later in sorted(i for i in facts if i > index):
        if pending & set(facts[later].refs):
            return True
        pending -= set(facts[later].defs)
        if not pending:
            return False
    return False


def _saved_error(raw) -> str | None:
    """The exception a code cell's saved outputs show (``NameError``), if it raised when last run."""
    return next((o.get("ename") or "an error" for o in raw.get("outputs", []) if o.get("output_type") == "error"), None)


def apply_suggestions(nb, suggestions) -> object:
    """A copy of ``nb`` with each suggestion's tag added to its cell (the input is not changed)."""
    tagged = copy.deepcopy(nb)
    for suggestion in suggestions:
        cell = tagged.cells[suggestion.index]
        tags = list(cell.get("metadata", {}).get("tags", []) or [])
        cell.setdefault("metadata", {})["tags"] = tags + [suggestion.tag]
    return tagged


class _State:
    """What the cells above the current one established: step name, setup names, parameters."""

    def __init__(self, params_taken: bool):
        self.step = DEFAULT_STEP
        self.params_taken = params_taken
        self.seen_step = False
        self.setup_names: set[str] = set()
        self._slugs: set[str] = set()

    def heading(self, markdown: str) -> None:
        match = _HEADING.search(markdown if isinstance(markdown, str) else "".join(markdown))
        slug = heading_slug(match.group(1)) if match else None
        if slug is None:
            return
        unique, n = slug, 2
        while unique in self._slugs:  # the same heading twice: two steps, not one joined across others
            unique, n = f"{slug}_{n}", n + 1
        self._slugs.add(unique)
        self.step = unique

    def tagged(self, cell, facts) -> None:
        if cell.role == "setup":
            self.setup_names |= set(facts.defs)
        elif cell.role == "step":
            self.seen_step = True
            if cell.step:
                self.step = cell.step  # untagged cells below continue it, as Kale merges them

    def suggested(self, role: str, step: str | None, facts) -> None:
        if role == "setup":
            self.setup_names |= set(facts.defs)
        elif role == "parameters":
            self.params_taken = True
        elif role == "step":
            self.seen_step = True


def _classify(tree, facts, state: _State, read_later: set[str]) -> tuple[str, str]:
    if tree is None:
        return "step", f"code under {state.step!r} (it does not parse yet: the exporter says why)"
    body = [s for s in tree.body if not _is_docstring(s)]
    imports = [s for s in body if isinstance(s, (ast.Import, ast.ImportFrom)) or _import_guard(s)]
    defs = [
        s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not _displays(s)
    ]
    constants = [s for s in body if _constant_assignment(s)]
    # calls on what the cell imports or names as a constant: IMAGES_PATH.mkdir(exist_ok=True)
    configured = facts.imports.keys() | state.setup_names | {t.id for s in constants for t in _targets(s)}
    known = state.setup_names | BUILTINS
    # reading step data, `joblib.dump(model, path)` is work, not configuration
    module_level = configured | known | {s.name for s in defs}
    configs = [
        s
        for s in body
        if (_call_on(s, configured) or _sets_option(s, configured) or _environment_check(s, configured))
        and _names_read(s) <= module_level
    ]
    if defs and len(defs) + len(imports) + len(constants) + len(configs) == len(body):
        return "library", "defines " + ", ".join(_name(s) for s in defs[:3]) + (" …" if len(defs) > 3 else "")
    literals = [s for s in body if _literal_assignment(s)]
    if not state.params_taken and not state.seen_step and literals and all(s in literals or _knob(s) for s in body):
        return "parameters", "literal assignments before the first step (papermill's parameters cell)"
    options = [s for s in configs if _sets_option(s, configured)]
    # beside imports, lines that only print (a version, the files of the input folder) stay setup
    shown = [s for s in body if imports and _displays(s) and s not in configs]
    if (
        (imports or constants or options)
        and len(imports) + len(constants) + len(configs) + len(shown) == len(body)
        and set(facts.refs) <= known
    ):
        return "setup", "imports" + (" and constants" if constants else "") + (" and configuration" if configs else "")
    if body and all(isinstance(s, ast.Assert) for s in body):
        return "test", "only assert statements"
    shows = [s for s in body if _displays(s)]
    if (
        shows
        and not facts.mutations
        and not (set(facts.defs) & read_later)
        and len(shows) + len(defs) == len(body)  # a def beside them serves the display: interact(show, n=...)
    ):
        return "skip", "only displays values; nothing below reads what it binds"
    return "step", f"code under {state.step!r}"


def _only_magic_lines(source: str) -> bool:
    """Every line of ``source`` is a line magic or a comment (``%matplotlib inline``, ``%run x.py``)."""
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return all(line.startswith(("%", "#")) and not line.startswith("%%") for line in lines)


def _later_reads(facts: dict) -> dict[int, set[str]]:
    """Per code cell: every name some later cell reads."""
    reads: dict[int, set[str]] = {}
    seen: set[str] = set()
    for index in sorted(facts, reverse=True):
        reads[index] = set(seen)
        seen |= set(facts[index].refs) | set(facts[index].mutations)
    return reads


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _name(node) -> str:
    return node.name + ("()" if not isinstance(node, ast.ClassDef) else "")


def _targets(node) -> list:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return [node.target]
    return []


def _constant_assignment(node) -> bool:
    targets = _targets(node)
    return bool(targets) and all(isinstance(t, ast.Name) and _CONSTANT.match(t.id) for t in targets)


def _literal_assignment(node) -> bool:
    targets = _targets(node)
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return False
    try:
        return isinstance(ast.literal_eval(node.value), _PARAM_TYPES)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


# the calls a value computed beside the parameters may make: paths, environment look-ups, casts
_KNOB_CALLS = frozenset(
    {"os.path.join", "os.path.abspath", "os.path.expanduser", "os.getenv", "os.environ.get"}
    | {"Path", "pathlib.Path", "str", "int", "float"}
)
_NOT_KNOB = (ast.Lambda, ast.comprehension, ast.NamedExpr, ast.Await, ast.Yield, ast.Subscript)


def _knob(node) -> bool:
    """``train_path = os.path.join(data_dir, 'train.csv')``, ``out = f'{root}/out'``,
    ``steps = epochs * 10``: a value computed from literals by path joins, formatting and
    arithmetic, which the package computes from the values the parameters are given."""
    targets = _targets(node)
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return False
    return all(
        ast.unparse(part.func) in _KNOB_CALLS if isinstance(part, ast.Call) else not isinstance(part, _NOT_KNOB)
        for part in ast.walk(node.value)
    )


def _root(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


# Calls on these run, fetch or unpack: the pipeline's work, not configuration. Setup runs again
# before every step an orchestrator runs apart, so a download or a script tagged setup would too.
_WORKING_MODULES = frozenset({"subprocess", "urllib", "zipfile", "tarfile", "shutil"})


def _call_on(node, names) -> bool:
    """``warnings.filterwarnings(...)``, ``np.random.seed(0)``: a call on an imported module
    (``subprocess.run(...)`` and the other working modules' calls are not)."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and _root(node.value.func) in names
        and _root(node.value.func) not in _WORKING_MODULES
    )


def _names_read(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _sets_option(node, names) -> bool:
    """``pd.options.display.max_columns = 50``, ``plt.rcParams["figure.figsize"] = (8, 4)``,
    ``os.environ["OMP_NUM_THREADS"] = "1"`` (``%env``): a setting of an imported module."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
    return bool(targets) and all(isinstance(t, (ast.Attribute, ast.Subscript)) and _root(t) in names for t in targets)


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def _import_guard(node) -> bool:
    """``try: import xgboost as xgb`` ``except ImportError: xgb = None``: an import with a fallback
    (imports, literal assignments, ``pass``, a warning or a raise in the handlers)."""
    if not isinstance(node, ast.Try) or not node.handlers or node.orelse or node.finalbody:
        return False
    if not node.body or not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in node.body):
        return False
    for handler in node.handlers:
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if not all(isinstance(c, ast.Name) and c.id in _IMPORT_ERRORS for c in caught):
            return False
        if not all(_fallback(s) for s in handler.body):
            return False
    return True


def _fallback(node) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass, ast.Raise)):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return _root(node.value.func) in {"warnings", "print"}
    return _literal_assignment(node)


def _environment_check(node, names) -> bool:
    """``assert sys.version_info >= (3, 7)``: an assert that reads only imported modules."""
    if not isinstance(node, ast.Assert):
        return False
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return bool(read) and read <= set(names)


def _displays(node) -> bool:
    if isinstance(node, ast.For) and not node.orelse:  # for f in os.listdir(folder): print(f)
        return all(_displays(s) for s in node.body)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # @interact(n=(1, 10)) shows a widget
        return any(_root(d) in DISPLAY_CALLS for d in node.decorator_list)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):  # fig, ax = plt.subplots()
        if node.value is not None and all(isinstance(t, ast.Name) and t.id == "_" for t in _targets(node)):
            return _displays(ast.Expr(node.value))  # _ = df.hist(): the plot, its return value silenced
        return isinstance(node.value, ast.Call) and _root(node.value.func) in PLOT_ROOTS
    if not isinstance(node, ast.Expr):
        return False
    value = node.value
    if is_value_display(value):  # df.isna().sum(), df.describe().T
        return True
    if not isinstance(value, ast.Call):
        return not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield)) for n in ast.walk(value))
    func = value.func
    if isinstance(func, ast.Name):
        return func.id in DISPLAY_CALLS
    return isinstance(func, ast.Attribute) and (
        func.attr in DISPLAY_METHODS
        or func.attr.startswith("plot_")  # lgb.plot_metric(...), xgb.plot_importance(...)
        or _root(func) in PLOT_ROOTS
        or (isinstance(func.value, ast.Attribute) and func.value.attr == "plot")  # df.plot.box(), s.plot.kde()
    )
