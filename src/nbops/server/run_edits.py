"""The body of ``PATCH runs/{id}``, checked before anything is written."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import InvalidValueError

FIELDS = ("tags", "delete_tags", "note")
MAX_NOTE = 100_000
_UNSET = object()


class RunEdit(NamedTuple):
    tags: dict[str, str | int | float | bool]
    delete_tags: list[str]
    note: Any  # str, None (clear), or _UNSET (leave alone)

    @classmethod
    def from_body(cls, body: dict) -> RunEdit:
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
        return cls(tags, delete, note)

    def apply(self, runs, run_id: str) -> None:
        """Call inside one transaction: the edit lands whole or not at all. Deletions come
        first, so a tag both deleted and set ends with its new value."""
        for key in self.delete_tags:
            runs.delete_tag(run_id, key)
        if self.tags:
            runs.set_tags(run_id, self.tags)
        if self.note is not _UNSET:
            runs.set_note(run_id, self.note)
