"""IPython syntax -> plain Python, with one policy per magic.

IPython's own ``TransformerManager`` turns magics (indented ones included) into
``get_ipython().run_line_magic(...)`` calls; each call is then dropped, unwrapped, harvested,
translated, or reported with a coded diagnostic and a suggested rewrite.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .library import source_offset
from .scripts import translate_run

__all__ = ["NormalizedCell", "normalize"]

DROP_LINE = {
    "matplotlib",
    "config",
    "load_ext",
    "reload_ext",
    "unload_ext",
    "autoreload",
    "aimport",
    "pinfo",
    "pinfo2",
    "psearch",
    "pdoc",
    "pdef",
    "psource",
    "pfile",
    "who",
    "whos",
    "who_ls",
    "lsmagic",
    "magic",
    "precision",
    "pprint",
    "xmode",
    "history",
    "timeit",
    "colors",
    "autosave",
    "notebook",
    "qtconsole",
    "page",
    "doctest_mode",
    "debug",
    "pdb",
    # IPython's aliases and magics that only show files or the session's folders
    "ls",
    "ll",
    "lf",
    "lk",
    "lx",
    "ldir",
    "pwd",
    "cat",
    "less",
    "more",
    "pycat",
    "dhist",
    "dirs",
    "clear",
    "man",
}
DROP_CELL = {"html", "markdown", "latex", "svg", "javascript", "js", "timeit"}
UNWRAP_CELL = {"time", "capture", "prun"}
SHELL_CELL = {"bash", "sh", "script", "system", "sx", "perl", "ruby", "python2"}
INSTALLERS = {"pip", "conda", "mamba"}
# Shell commands that only print what they find (files, the machine, the environment): the
# pipeline drops ``!ls data`` or ``!nvidia-smi`` as it drops ``%who``. Only when every part of a
# pipe is one of these and nothing is redirected; anything else stays an NB202 error.
SHOWING_COMMANDS = {
    "ls",
    "ll",
    "pwd",
    "cat",
    "head",
    "tail",
    "wc",
    "du",
    "df",
    "free",
    "nvidia-smi",
    "tree",
    "which",
    "whoami",
    "hostname",
    "uname",
    "date",
    "nproc",
    "lscpu",
    "echo",
    "printenv",
    "grep",
    "file",
    "stat",
    "md5sum",
    "sha256sum",
}
SHOWING_SUBCOMMANDS = {"pip": {"list", "freeze", "show"}, "pip3": {"list", "freeze", "show"}, "conda": {"list", "info"}}
SHOWING_FLAGS = {"--version", "-V"}  # python --version, nvcc -V
_PY2_PRINT = re.compile(r"^\s*print\s+[^\s(=.,]")
_PY2_EXCEPT = re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:")


@dataclass
class NormalizedCell:
    source: str  # plain Python ("" when nothing is left)
    tree: ast.Module | None
    requirements: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    experiment: str | None = None  # named by %track, %%track or nbops.start_run("...")
    requirement_files: list[tuple[str, int]] = field(default_factory=list)  # (-r FILE, line): read at export
    ran_scripts: list[str] = field(default_factory=list)  # %run script.py lines translated to plain Python


_manager = None


def _transform(source: str) -> str:
    global _manager
    try:
        ast.parse(source)
        return source  # plain Python needs no IPython (and never pays for importing it)
    except SyntaxError:
        pass
    if _manager is None:
        from IPython.core.inputtransformer2 import TransformerManager  # lazy: costs ~130 ms

        _manager = TransformerManager()
    return _manager.transform_cell(source)


def normalize(
    source: str, cell_index: int | None = None, cell_id: str | None = None, folder: Path | None = None
) -> NormalizedCell:
    """Plain Python for a cell's source, with what its magics need (requirements, diagnostics).
    ``folder`` is the notebook's, where ``%run script.py`` finds the script it translates."""
    policy = _Policy(cell_index, cell_id, folder)
    text = policy.rewrite(source, line_offset=0)
    tree = None
    if text is not None:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            policy.syntax_error(source, exc, 0)
            text = None
    experiment = policy.experiment or (_start_run_experiment(tree) if tree is not None else None)
    return NormalizedCell(
        text or "",
        tree,
        policy.requirements,
        policy.diagnostics,
        experiment,
        policy.requirement_files,
        policy.ran_scripts,
    )


def _magic_call(node: ast.AST):
    """(method, [str args]) if node is ``get_ipython().method('a', 'b')`` else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"):
        return None
    args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
    return node.func.attr, args


# pip install options whose value is the next word: never a requirement
_PIP_VALUE_OPTIONS = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-c",
        "--constraint",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--src",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--trusted-host",
        "--upgrade-strategy",
        "--progress-bar",
        "--cache-dir",
        "--log",
        "--proxy",
        "--timeout",
        "--retries",
        "--exists-action",
        "--cert",
        "--client-cert",
        "--only-binary",
        "--no-binary",
        "-C",
        "--config-settings",
        "--report",
        "--python",
    }
)


def pip_install_arguments(words: list[str]) -> tuple[list[str] | None, list[str]]:
    """(requirements, requirement files) that ``pip install WORDS`` names; requirements is None
    for an editable install (``-e``), which names a folder, not a distribution."""
    reqs: list[str] = []
    files: list[str] = []
    expecting: str | None = None
    for word in words:
        if expecting is not None:
            if expecting in {"-r", "--requirement"}:
                files.append(word)
            expecting = None
        elif word in {"-e", "--editable"} or word.startswith(("--editable=", "-e")):
            return None, files
        elif word in {"-r", "--requirement"} or word in _PIP_VALUE_OPTIONS:
            expecting = word
        elif word.startswith("--requirement="):
            files.append(word.split("=", 1)[1])
        elif word.startswith("-r") and len(word) > 2:
            files.append(word[2:])
        elif not word.startswith("-"):
            reqs.append(word)
    return reqs, files


class _Policy:
    def __init__(self, cell_index, cell_id, folder: Path | None = None):
        self.cell_index, self.cell_id, self.folder = cell_index, cell_id, folder
        self.requirements: list[str] = []
        self.requirement_files: list[tuple[str, int]] = []
        self.ran_scripts: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.experiment: str | None = None

    def diag(self, code, message, line=None, suggestion=None):
        self.diagnostics.append(Diagnostic(code, message, self.cell_index, self.cell_id, line, suggestion))

    def syntax_error(self, original: str, exc: SyntaxError, line_offset: int):
        line = (exc.lineno or 1) + line_offset
        lines = original.splitlines()
        bad = lines[line - 1] if 0 < line <= len(lines) else ""
        suggestion = None
        for number, text in enumerate(lines, 1):
            if _PY2_PRINT.match(text):
                line, bad = number, text
                body = text.strip()[len("print") :].strip()
                suggestion = f"print({body})  # Python 3 print is a function"
                break
            if _PY2_EXCEPT.match(text):
                line, bad = number, text
                name, _, var = text.strip()[len("except") :].rstrip(":").partition(",")
                suggestion = f"except {name.strip()} as {var.strip()}:"
                break
        what = "Python 2 syntax" if suggestion else f"invalid syntax ({exc.msg})"
        self.diag(
            "NB201", f"{what}: {bad.strip()!r}", line, suggestion or "fix the syntax so the cell runs in Python 3"
        )

    def rewrite(self, source: str, line_offset: int) -> str | None:
        """Plain Python for ``source`` or None when it does not parse."""
        try:
            text = _transform(source)
            tree = ast.parse(text)
        except SyntaxError as exc:
            self.syntax_error(source, exc, line_offset)
            return None
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            call = _magic_call(tree.body[0].value)
            if call and call[0] == "run_cell_magic":
                return self.cell_magic(call[1], line_offset)
        lines = text.splitlines(keepends=True)
        edits = []  # (first line, last line, replacement)
        for node in ast.walk(tree):
            if _is_display(node):
                self.diag("NB210", "display(...) dropped (display only)", node.lineno + line_offset)
                edits.append((node.lineno, node.end_lineno, _blank(lines[node.lineno - 1][: node.col_offset])))
                continue
            call = _magic_call(node)
            if not call:
                continue
            statement = _enclosing_statement(tree, node)
            whole = isinstance(statement, ast.Expr) and statement.value is node
            line = node.lineno + line_offset
            captured = self.magic_value(call, node, line)
            if captured is not None and statement is not None and statement.lineno == node.lineno == node.end_lineno:
                module, value = captured
                text_line = lines[node.lineno - 1]
                indent = text_line[: statement.col_offset]
                start, end = (
                    source_offset([text_line], 1, node.col_offset),
                    source_offset([text_line], 1, node.end_col_offset),
                )
                body = indent + f"import {module}\n" + text_line[:start] + value + text_line[end:]
                edits.append((node.lineno, node.lineno, body))
                continue
            replacement = self.line_magic(call, whole, line)
            if replacement is not None and whole:
                indent = lines[statement.lineno - 1][: statement.col_offset]
                body = "".join(indent + r + "\n" for r in replacement) if replacement else _blank(indent)
                edits.append((statement.lineno, statement.end_lineno, body))
        for first, last, body in sorted(edits, reverse=True):
            lines[first - 1 : last] = [body]
        return "".join(lines)

    def cell_magic(self, args, line_offset) -> str | None:
        name, _line, body = (args + [None, None, None])[:3]
        body = body or ""
        where = line_offset + 1
        if name in UNWRAP_CELL:
            self.diag("NB211", f"%%{name} unwrapped: its body runs as plain code", where)
            return self.rewrite(body, line_offset + 1)
        if name in DROP_CELL:
            self.diag("NB210", f"%%{name} cell dropped (display only)", where)
            return ""
        if name == "track":
            return self.track_cell(_line or "", body, line_offset)
        if name == "writefile":
            options = (_line or "").split()
            target = options[-1] if options else "file.txt"
            if {"-a", "--append"} & set(options):
                self.diag("NB213", f"%%writefile -a translated to appending to {target!r} with open(..., 'a')", where)
                return f"with open({target!r}, 'a') as _appended:\n    _appended.write({body!r})\n"
            self.diag("NB213", f"%%writefile translated to pathlib.Path({target!r}).write_text(...)", where)
            return f"import pathlib\npathlib.Path({target!r}).write_text({body!r})\n"
        translated = self.shell_cell(body, where) if name in {"bash", "sh"} else None
        if translated is not None:
            return translated
        if name in SHELL_CELL:
            self.diag(
                "NB202",
                f"%%{name} cell runs a shell script",
                where,
                "run the commands with subprocess.run([...], check=True) in a step, or move them out of the notebook",
            )
            return ""
        self.diag(
            "NB205",
            f"%%{name} cell magic has no Python equivalent",
            where,
            "rewrite the cell in plain Python or tag it skip",
        )
        return ""

    def shell_cell(self, body: str, where: int) -> str | None:
        """A ``%%bash`` cell whose every command a ``!`` line would translate (``mkdir -p``, a
        download, ``unzip``, ``pip install``, ``python script.py``) or drop (``echo``, ``ls``),
        command by command; None when one would not (``cd``, a loop), or for any brace, ``$`` or
        backslash: bash reads those, where IPython's ``!`` would have put a value in."""
        if set(body) & set("{}$\\"):
            return None
        given = len(self.diagnostics)
        lines: list[str] = []
        for number, text in enumerate(body.splitlines(), where + 1):
            command = text.strip()
            if not command or command.startswith("#"):
                continue
            translated = self.shell(command, True, number, shown=command)
            if translated is None:  # the cell stays one NB202, not one per command
                del self.diagnostics[given:]
                return None
            lines += translated
        return "".join(line + "\n" for line in lines)

    def track_cell(self, line: str, body: str, line_offset: int) -> str | None:
        """``%%track EXP --metrics a,b``: the body is the step body; the named metrics are logged
        to the pipeline's run (one run per pipeline run, see the generated ``tracking.py``)."""
        experiment, metrics, tags = _track_arguments(line)
        self.experiment = self.experiment or experiment
        self.diag(
            "NB214",
            f"%%track unwrapped: its body runs as plain code and logs to the pipeline's run"
            f"{' of ' + repr(experiment) if experiment else ''}",
            line_offset + 1,
        )
        text = self.rewrite(body, line_offset + 1)
        if text is None or not (metrics or tags):
            return text
        logs = f"__import__('nbops').set_tags({tags!r})\n" if tags else ""
        logs += "".join(f"__import__('nbops').log_metric({m!r}, {m})\n" for m in metrics)
        return text.rstrip("\n") + "\n" + logs

    def magic_value(self, call, node: ast.AST, line: int) -> tuple[str, str] | None:
        """The module to import and the plain expression for a magic whose value is used, or None:
        ``files = !ls data``, the same lines from ``subprocess`` (stderr among them, as IPython
        merges it) for a command that only prints and names no notebook variable; ``home = %env
        HOME``, ``os.environ['HOME']``."""
        method, args = call
        if method == "run_line_magic" and args[:1] == ["env"]:
            name = ((args[1] if len(args) > 1 else "") or "").strip()
            if "=" in name or len(name.split()) > 1:
                return None
            value = f"os.environ[{name!r}]" if name else "dict(os.environ)"
            self.diag("NB213", f"%env {name} translated to {value}" if name else f"%env translated to {value}", line)
            return "os", value
        command = args[0] if args else None
        if method != "getoutput" or not command or set(command) & set("{}$") or not _only_shows(command):
            return None
        self.diag("NB213", f"'!{command}' output capture translated to subprocess.run(...)", line)
        return "subprocess", (
            f"subprocess.run({command!r}, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, "
            "text=True).stdout.splitlines()"
        )

    def line_magic(self, call, whole: bool, line: int) -> list[str] | None:
        method, args = call
        if method == "system":
            return self.shell(args[0] or "", whole, line)
        if method == "getoutput":
            self.diag(
                "NB202",
                f"shell output capture '!{args[0]}'",
                line,
                f"subprocess.run({_argv(args[0] or '')!r}, capture_output=True, text=True, check=True).stdout.splitlines()",
            )
            return None
        if method != "run_line_magic":
            self.diag(
                "NB205",
                f"get_ipython().{method}(...) has no Python equivalent",
                line,
                "rewrite it in plain Python or tag the cell skip",
            )
            return None
        name, rest = (args + [None, None])[:2]
        rest = rest or ""
        if name in INSTALLERS:
            return self.install(name, rest, whole, line)
        if name == "track" and whole:
            experiment = _track_arguments(rest)[0]
            self.experiment = self.experiment or experiment
            what = (
                f"the pipeline logs one run of {experiment!r} per pipeline run"
                if experiment
                else "the pipeline ends its run itself"
            )
            self.diag("NB214", f"%track {rest.strip()} dropped: {what}", line)
            return []
        if name in DROP_LINE:
            self.diag("NB210", f"%{name} dropped (display or session only)", line)
            return [] if whole else None
        if name == "store":
            return self.store(rest, whole, line)
        if name == "time":
            self.diag("NB211", "%time unwrapped: the statement runs as plain code", line)
            inner = self.rewrite(rest, line - 1) if whole else None
            return inner.splitlines() if inner is not None else None
        if name == "env" and "=" in rest.replace(" ", "=", 1) and whole:
            key, value = re.split(r"\s*=\s*|\s+", rest.strip(), maxsplit=1)
            self.diag("NB213", f"%env translated to os.environ[{key!r}] = {value!r}", line)
            return ["import os", f"os.environ[{key!r}] = {value!r}"]
        if name == "env":
            self.diag("NB210", "%env display dropped", line)
            return [] if whole else None
        if name == "mkdir" and whole:
            paths = [p for p in shlex.split(rest) if not p.startswith("-")]
            self.diag("NB213", "%mkdir translated to os.makedirs(..., exist_ok=True)", line)
            return ["import os"] + [f"os.makedirs({p!r}, exist_ok=True)" for p in paths]
        if name == "cd":
            self.diag(
                "NB203",
                f"%cd {rest} changes the working directory",
                line,
                "make the directory a parameter and build paths from it: pathlib.Path(data_dir) / 'file.csv'",
            )
            return None
        if name == "run":
            translation = translate_run(rest, self.folder) if whole else None
            if translation is not None and translation.lines is not None:
                self.diag("NB213", f"%run {rest} translated to plain Python that binds the names it defines", line)
                self.ran_scripts.append(rest.strip())
                return translation.lines
            reason = translation.reason if translation else "is part of a larger expression"
            suggestion = translation.suggestion if translation else "run it on a line of its own"
            self.diag("NB204", f"%run {rest} executes another file, and {reason}", line, suggestion)
            return None
        self.diag(
            "NB205", f"%{name} has no Python equivalent", line, "rewrite the line in plain Python or tag the cell skip"
        )
        return None

    def store(self, rest: str, whole: bool, line: int) -> list[str] | None:
        """``%store model`` keeps a value for another notebook (IPython's database); the step
        returns it instead, so the line is dropped. ``%store -r`` reads one another notebook
        kept: the pipeline has no such value."""
        words = _argv(rest)
        if "-r" not in words:
            self.diag("NB210", f"%store {rest.strip()} dropped: it keeps values for other notebooks", line)
            return [] if whole else None
        names = " ".join(w for w in words if w != "-r") or "every stored value"
        self.diag(
            "NB205",
            f"%store {rest.strip()} reads {names} that another notebook stored",
            line,
            "save it to a file in the notebook that makes it and read the file here, or make it a parameter",
        )
        return None

    def install(self, tool, rest, whole, line) -> list[str] | None:
        words = shlex.split(rest)
        if not words or words[0] != "install" or tool != "pip":
            self.diag("NB205", f"%{tool} {rest} is not a pip install", line, "declare the dependency in pyproject.toml")
            return None
        reqs, files = pip_install_arguments(words[1:])
        if reqs is None:
            self.diag(
                "NB205",
                f"%{tool} {rest}: an editable install cannot be harvested",
                line,
                "list the packages explicitly: %pip install pandas scikit-learn",
            )
            return None
        self.requirements += reqs
        self.requirement_files += [(f, line) for f in files]
        what = (
            " ".join(reqs) + (" and " if reqs and files else "") + ", ".join(f"the requirements in {f}" for f in files)
        )
        self.diag("NB212", f"{what} added to the package dependencies", line)
        return [] if whole else None

    def shell(self, command: str, whole: bool, line: int, shown: str | None = None) -> list[str] | None:
        """A ``!command`` line as Python, dropped, or an error; ``shown`` is how messages quote
        it (``!command``, or a ``%%bash`` cell's line as written)."""
        shown = f"!{command}" if shown is None else shown
        words = _argv(command)
        if words[:1] in (["pip"], ["pip3"]) and words[1:2] == ["install"] or words[1:3] == ["-m", "pip"]:
            start = words.index("install") if "install" in words else 0
            return self.install("pip", " ".join(words[start:]), whole, line)
        if _only_shows(command):
            self.diag("NB210", f"shell command '{shown}' dropped (it only prints)", line)
            return [] if whole else None
        if words[:1] == ["mkdir"] and whole and _only_paths(words[1:], flags={"-p", "--parents"}):
            paths = [p for p in words[1:] if not p.startswith("-")]
            self.diag("NB213", f"'{shown}' translated to os.makedirs(..., exist_ok=True)", line)
            return ["import os"] + [f"os.makedirs({p!r}, exist_ok=True)" for p in paths]
        translated = _translation(command, words) if whole else None
        if translated is not None:
            self.diag("NB213", f"'{shown}' translated to {translated[-1]}", line)
            return translated
        self.diag("NB202", f"shell command '{shown}'", line, _shell_suggestion(words))
        return None


def _only_shows(command: str) -> bool:
    """Whether ``command`` is a pipe of commands that only print: no redirect, no ``;`` or
    ``&&``, no command substitution."""
    if "$(" in command or "`" in command:
        return False
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote
        return False
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            parts.append([])
        elif set(token) <= set("|&;<>()"):
            return False
        else:
            parts[-1].append(token)
    return all(part and _shows(part) for part in parts)


def _shows(words: list[str]) -> bool:
    name = words[0].rsplit("/", 1)[-1]
    if name in SHOWING_COMMANDS:
        return True
    if len(words) > 1 and words[1] in SHOWING_SUBCOMMANDS.get(name, ()):
        return True
    return len(words) == 2 and words[1] in SHOWING_FLAGS


def _only_paths(words: list[str], flags: set[str]) -> bool:
    """Every word is one of ``flags`` or a plain path (no glob, no brace, no variable)."""
    return bool(words) and all(
        w in flags or (not w.startswith("-") and not set(w) & (_SHELL_EXPANDS | set("{}$"))) for w in words
    )


def _track_arguments(line: str) -> tuple[str | None, list[str], dict[str, str]]:
    """Experiment, ``--metrics`` names and ``--tag`` pairs of a ``%track`` / ``%%track`` line
    (``--end``: no experiment)."""
    words, experiment, metrics, tags = _argv(line), None, [], {}
    takes_value = {"--name", "--tag", "--params", "--metrics", "--status"}
    index = 0
    while index < len(words):
        word, value = words[index], words[index + 1] if index + 1 < len(words) else ""
        if "=" in word and word.split("=", 1)[0] in takes_value:
            (word, value), index = word.split("=", 1), index - 1
        if word in takes_value:
            if word == "--metrics":
                metrics += [m.strip() for m in value.split(",") if m.strip().isidentifier()]
            elif word == "--tag" and "=" in value:
                key, _, text = value.partition("=")
                tags[key] = text
            index += 2
            continue
        if not word.startswith("-") and experiment is None:
            experiment = word
        index += 1
    return experiment, metrics, tags


def _start_run_experiment(tree: ast.Module) -> str | None:
    """The experiment of the first ``nbops.start_run("name", ...)`` / ``start_run("name")`` call."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        named = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        first = node.args[0]
        if named == "start_run" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _is_display(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "display"
    )


def _blank(indent: str) -> str:
    """What replaces a removed statement: nothing at top level, ``pass`` inside a block."""
    return indent + "pass\n" if indent else ""


def _argv(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # IPython puts the value of `name` in a `!` command
_SHELL_EXPANDS = frozenset("*?[]~")  # globs and the home folder, which the shell expands in a word


def _translation(command: str, words: list[str]) -> list[str] | None:
    """Python for a plain command (a script run, a download, an archive unpacked); None for
    shell syntax, or for an IPython ``{name}`` field anywhere but in a script's arguments."""
    if set(_FIELD.sub("", command)) & set("{}$|;&<>`"):
        return None
    if _FIELD.search(command):
        return _python_script(words)
    return _python_script(words) or _fetch(words)


def _python_script(words: list[str]) -> list[str] | None:
    """``python script.py ARGS`` (or ``python3 -m module ARGS``), run by the pipeline's own
    interpreter, where its dependencies are installed, failing the step if it fails; an
    argument's ``{name}`` becomes an f-string field. None for another command, or for arguments
    the shell would expand (``*.csv``, ``~``)."""
    if words[:1] not in (["python"], ["python3"]) or len(words) < 2 or any(set(w) & _SHELL_EXPANDS for w in words):
        return None
    arguments = ", ".join(f"f{w!r}" if _FIELD.search(w) else repr(w) for w in words[1:])
    return ["import subprocess", "import sys", f"subprocess.run([sys.executable, {arguments}], check=True)"]


def _fetch(words: list[str]) -> list[str] | None:
    """Python for a command that fetches or unpacks a data file, where it does exactly what the
    command does: ``wget [-q] URL [-O FILE | -P DIR]``, ``curl [-sSLf] -o FILE URL`` (or ``-O``),
    ``unzip [-oq] FILE [-d DIR]``; else None."""
    name, rest = (words[0], words[1:]) if words else ("", [])
    if name == "unzip":
        return _unzip(rest)
    if name not in {"wget", "curl"}:
        return None
    quiet = {"-q", "--quiet", "-nv", "--no-verbose"} if name == "wget" else {"--silent", "--location", "--fail"}
    output = {"-O", "--output-document"} if name == "wget" else {"-o", "--output"}
    urls, out, folder, remote_name = [], None, None, False
    given = iter(rest)
    for word in given:
        if word in output:
            out = next(given, None)
        elif name == "wget" and word in {"-P", "--directory-prefix"}:
            folder = next(given, None)
        elif name == "curl" and word in {"-O", "--remote-name"}:
            remote_name = True
        elif "://" in word and not word.startswith("-"):
            urls.append(word)
        elif not (word in quiet or (name == "curl" and re.fullmatch(r"-[sSLf]+", word))):
            return None
    if len(urls) != 1 or out == "-" or (name == "curl" and not (out or remote_name)):
        return None
    target = out or urls[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    if not target:
        return None
    if folder:
        return [
            "import os",
            "import urllib.request",
            f"os.makedirs({folder!r}, exist_ok=True)",
            f"urllib.request.urlretrieve({urls[0]!r}, os.path.join({folder!r}, {target!r}))",
        ]
    return ["import urllib.request", f"urllib.request.urlretrieve({urls[0]!r}, {target!r})"]


def _unzip(words: list[str]) -> list[str] | None:
    archive: str | None = None
    folder: str | None = "."
    given = iter(words)
    for word in given:
        if word == "-d":
            folder = next(given, None)
        elif re.fullmatch(r"-[oq]+", word):
            continue
        elif archive is None and not word.startswith("-") and not set(word) & set("*?[]"):
            archive = word
        else:
            return None
    if archive is None or folder is None:
        return None
    return ["import zipfile", f"zipfile.ZipFile({archive!r}).extractall({folder!r})"]


def _shell_suggestion(words: list[str]) -> str:
    if words and words[0] in {"wget", "curl"}:
        url = next((w for w in words[1:] if "://" in w), "URL")
        out = None
        for flag in ("-O", "-o", "--output", "--output-document"):
            if flag in words and words.index(flag) + 1 < len(words):
                out = words[words.index(flag) + 1]
        out = out or url.rstrip("/").rsplit("/", 1)[-1] or "data"
        return f"urllib.request.urlretrieve({url!r}, {out!r})  # after: import urllib.request"
    return f"subprocess.run({words!r}, check=True)  # after: import subprocess"


def _enclosing_statement(tree: ast.Module, target: ast.AST) -> ast.stmt | None:
    """The innermost statement that contains ``target``."""
    containing = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and any(child is target for child in ast.walk(node))
    ]
    return min(containing, key=lambda node: sum(1 for _ in ast.walk(node)), default=None)
