"""The run filter and sort language, compiled to parameterized SQL.

    filter  := or_expr
    or_expr := and_expr ("or" and_expr)*
    and_expr:= atom ("and" atom)*
    atom    := "(" or_expr ")" | field OP value | field "in" "(" value ("," value)* ")"
    field   := metrics.KEY | params.KEY | tags.KEY | status | name | experiment | id
               | start_time | end_time | duration | user | notebook_path
    OP      := = | != | <> | < | <= | > | >= | like

KEY is a bare word (letters, digits, ``_ - . /``) or a backtick-quoted string;
values are numbers or single/double-quoted strings. Example:
``metrics.auc > 0.8 and params.model = 'rf'``.

Limits keep a hostile filter from exhausting the parser or SQLite (whose expression tree
stops at depth 1,000): at most ``MAX_FILTER_LENGTH`` characters, ``MAX_COMPARISONS``
comparisons, ``MAX_DEPTH`` levels of parentheses and ``MAX_IN_VALUES`` values in one list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..errors import FilterSyntaxError, InvalidValueError

ATTRIBUTES = {
    "id": "r.id",
    "name": "r.name",
    "status": "r.status",
    "experiment": "e.name",
    "start_time": "r.start_time",
    "end_time": "r.end_time",
    "duration": "(COALESCE(r.end_time, r.heartbeat, r.start_time) - r.start_time)",
    "user": "r.user",
    "notebook_path": "r.notebook_path",
    "host": "r.host",
}
FAMILIES = ("metrics", "params", "tags")
MAX_FILTER_LENGTH = 4_000  # percent-encoded, still inside tornado's 64 KB request line
MAX_COMPARISONS = 100
MAX_DEPTH = 20
MAX_IN_VALUES = 1_000
MAX_SORT_LENGTH = 300  # one field: a key is at most 250 characters
OPERATORS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "like": "LIKE"}

_TOKEN_PATTERN = r"""\s*(?:
      (?P<number>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op><=|>=|!=|<>|==|=|<|>)
    | (?P<punct>[(),])
    | (?P<field>(?:metrics|params|tags)\.(?:`[^`]+`|[\w\-./]+)|[A-Za-z_]\w*)
    )"""


@lru_cache(maxsize=1)
def _token_regex() -> re.Pattern[str]:
    # Compiled on first use: most processes that import nbops never filter.
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)


Value = float | str  # a filter's literal: a number or a quoted string


class Compiled(NamedTuple):
    """SQL pieces for the runs query: WHERE text and its parameters."""

    where: str = "1"
    params: tuple[Value, ...] = ()


class SortKey(NamedTuple):
    """A sort column: ``family`` is '' for a run attribute, else metrics/params/tags."""

    family: str
    key: str
    descending: bool


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _token_regex().match(text, pos)
        if not match or match.end() == pos:
            raise FilterSyntaxError(
                f"filter {_excerpt(text)}: cannot read {text[pos : pos + 20].strip()!r} at character {pos + 1}; "
                "write e.g. metrics.auc > 0.8 and params.model = 'rf'"
            )
        kind = match.lastgroup
        assert kind is not None  # every alternative of the pattern is a named group
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def parse_field(text: str) -> tuple[str, str]:
    """``metrics.auc`` -> ('metrics', 'auc'); ``status`` -> ('', 'status')."""
    family, dot, key = text.partition(".")
    if dot and family in FAMILIES:
        key = key[1:-1] if key.startswith("`") and key.endswith("`") else key
        if not key:
            raise FilterSyntaxError(f"{text!r} names no key: write {family}.KEY")
        return family, key
    if text in ATTRIBUTES:
        return "", text
    valid = ", ".join([f"{f}.KEY" for f in FAMILIES] + sorted(ATTRIBUTES))
    raise FilterSyntaxError(f"unknown field {text!r}: valid fields are {valid}")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.params: list[Value] = []
        self.depth = 0  # parentheses open around the current atom
        self.comparisons = 0

    def parse(self) -> str:
        sql = self._or()
        if self.pos != len(self.tokens):
            raise self._error(f"unexpected {self.tokens[self.pos][1]!r}")
        return sql

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise self._error("it ends too early")
        self.pos += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token and token[0] == "field" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def _or(self) -> str:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._atom()]
        while self._keyword("and"):
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _atom(self) -> str:
        kind, text = self._take()
        if (kind, text) == ("punct", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self._error(f"parentheses nest deeper than {MAX_DEPTH} levels; write a flatter filter")
            inner = self._or()
            if self._peek() != ("punct", ")"):
                raise self._error("a '(' is not closed")
            self.pos += 1
            self.depth -= 1
            return inner
        if kind != "field":
            raise self._error(f"expected a field such as metrics.auc, got {text!r}")
        family, key = parse_field(text)
        if self._keyword("in"):
            return self._membership(family, key)
        if self._keyword("like"):
            op = "LIKE"
        else:
            op_kind, op_text = self._take()
            if op_kind != "op":
                raise self._error(f"expected an operator (= != < <= > >= like in) after {text!r}, got {op_text!r}")
            op = OPERATORS[op_text]
        value = self._value()
        return self._comparison(family, key, op, [value])

    def _membership(self, family: str, key: str) -> str:
        if self._take() != ("punct", "("):
            raise self._error("write IN as: field in ('a', 'b')")
        values = [self._value()]
        while True:
            kind, text = self._take()
            if (kind, text) == ("punct", ")"):
                break
            if (kind, text) != ("punct", ","):
                raise self._error(f"expected ',' or ')' in a list, got {text!r}")
            values.append(self._value())
            if len(values) > MAX_IN_VALUES:
                raise self._error(f"an 'in' list holds more than {MAX_IN_VALUES:,} values")
        return self._comparison(family, key, "IN", values)

    def _value(self) -> Value:
        kind, text = self._take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        raise self._error(f"expected a number or a quoted string, got {text!r}")

    def _comparison(self, family: str, key: str, op: str, values: list[Value]) -> str:
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise self._error(f"it has more than {MAX_COMPARISONS} comparisons; use 'in (...)' for lists of values")
        placeholders = "(" + ", ".join("?" * len(values)) + ")" if op == "IN" else "?"
        if not family:
            self.params.extend(values)
            return f"{ATTRIBUTES[key]} {op} {placeholders}"
        numeric = all(isinstance(v, float) for v in values) and op != "LIKE"
        column = {"metrics": "value", "params": "value_num" if numeric else "value", "tags": "value"}[family]
        table = {"metrics": "latest_metrics", "params": "params", "tags": "tags"}[family]
        self.params.append(key)
        self.params.extend(values)
        return (
            f"EXISTS (SELECT 1 FROM {table} f WHERE f.run_id = r.id AND f.key = ? AND f.{column} {op} {placeholders})"
        )

    def _error(self, what: str) -> FilterSyntaxError:
        return FilterSyntaxError(f"filter {_excerpt(self.text)}: {what}")


def _excerpt(text: str, limit: int = 200) -> str:
    """``text`` quoted, cut short so an error about a huge filter stays readable."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text):,} characters)"


def compile_filter(text: str | None) -> Compiled:
    if text is None or not text.strip():
        return Compiled()
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        raise FilterSyntaxError(
            f"filter {_excerpt(text)} holds {exc.object[exc.start]!r} at character {exc.start + 1}, "
            "which is not valid text (a lone surrogate); remove it"
        ) from None
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(
            f"filter {_excerpt(text, 60)} is longer than {MAX_FILTER_LENGTH:,} characters; write a shorter one"
        )
    parser = _Parser(text)
    where = parser.parse()
    return Compiled(where, tuple(parser.params))


_FIELD = (
    "(?:(?:metrics|params|tags)\\.(?:`[^`]+`|[^\\s`]\\S*)|" + "|".join(sorted(ATTRIBUTES, key=len, reverse=True)) + ")"
)
# The sort language, exactly: '-' then a field, or a field then asc/desc (blank: newest first). The OpenAPI document
# gives the same pattern (a test compares them), so what it calls valid is what the server takes.
SORT_PATTERN = f"^\\s*(?:-\\s*({_FIELD})|({_FIELD})(?:\\s+([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc]))?)?\\s*$"


@lru_cache(maxsize=1)
def _sort_regex() -> re.Pattern[str]:
    return re.compile(SORT_PATTERN)


def parse_sort(text: str | None) -> SortKey:
    """``-metrics.auc`` or ``metrics.auc desc`` -> descending on the latest auc."""
    if text is None or not text.strip():
        return SortKey("", "start_time", True)
    if len(text) > MAX_SORT_LENGTH:
        raise InvalidValueError(f"sort {_excerpt(text, 60)} is too long: name one field, e.g. -metrics.auc")
    match = _sort_regex().match(text)
    if match is None:
        valid = ", ".join([f"{f}.KEY" for f in FAMILIES] + sorted(ATTRIBUTES))
        raise InvalidValueError(
            f"sort {text.strip()!r} is not valid: write a field, with '-' before it or ' desc' "
            f"after it for descending, e.g. -metrics.auc; valid fields are {valid}"
        )
    prefixed, field, direction = match.groups()
    family, key = parse_field(prefixed or field)
    return SortKey(family, key, bool(prefixed) or (direction or "").lower() == "desc")
