"""The body of ``PATCH runs/{id}``, checked before anything is written."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..errors import InvalidValueError

FIELDS = ("tags", "delete_tags", "note", "name")
MAX_NOTE = 100_000
MAX_NAME = 250
NAME_PATTERN = r"[^\x00-\x1f]*[^\x00-\x1f\s][^\x00-\x1f]*"
_UNSET = object()


class RunEdit(NamedTuple):
    tags: dict[str, str | int | float | bool]
    delete_tags: list[str]
    note: Any  # str, None (clear), or _UNSET (leave alone)
    name: Any = _UNSET  # a new name, or _UNSET (leave alone)

    @classmethod
    def from_body(cls, body: dict) -> "RunEdit":
        unknown = sorted(set(body) - set(FIELDS))
        if unknown or not body:
            raise InvalidValueError(
                f"PATCH runs/{{id}} got fields {unknown or 'none'}: send one or more of {', '.join(FIELDS)}"
            )
        tags = body.get("tags", {})
        if not isinstance(tags, dict) or not all(
            isinstance(v, (str, int, float)) and v == v for v in tags.values()  # v == v: no NaN
        ):
            raise InvalidValueError("tags must be an object of name to string, number or boolean, e.g. {\"team\": \"churn\"}")
        delete = body.get("delete_tags", [])
        if not isinstance(delete, list) or not all(isinstance(k, str) for k in delete):
            raise InvalidValueError("delete_tags must be a list of tag names, e.g. [\"draft\"]")
        note = body.get("note", _UNSET)
        if note is not _UNSET and note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            raise InvalidValueError(f"note must be a string of at most {MAX_NOTE:,} characters, or null to clear it")
        return cls(tags, delete, note, _name(body.get("name", _UNSET)))

    def apply(self, runs, run_id: str) -> None:
        """Call inside one transaction: the edit lands whole or not at all. Deletions come
        first, so a tag both deleted and set ends with its new value."""
        for key in self.delete_tags:
            runs.delete_tag(run_id, key)
        if self.tags:
            runs.set_tags(run_id, self.tags)
        if self.note is not _UNSET:
            runs.set_note(run_id, self.note)
        if self.name is not _UNSET:
            runs.rename(run_id, self.name)


def _name(name: Any) -> Any:
    """A rename keeps what the user typed but the surrounding spaces; a blank name or one
    with control characters is refused rather than stored, since every panel shows a run
    by its name. The rule is the OpenAPI document's pattern, so the two cannot disagree."""
    if name is _UNSET:
        return name
    if not isinstance(name, str):
        raise InvalidValueError(f"name {name!r} is not valid: use a string, e.g. \"sgd-alpha-0.01\"")
    if len(name) > MAX_NAME:
        raise InvalidValueError(f"name of {len(name)} characters is too long: use at most {MAX_NAME}")
    if not re.fullmatch(NAME_PATTERN, name):
        raise InvalidValueError(f"name {name!r} is not valid: use a non-blank name without control characters")
    return name.strip()
