"""The body of ``PATCH runs/{id}``, applied in one transaction."""

from __future__ import annotations

from typing import Any, NamedTuple

_UNSET = object()


class RunEdit(NamedTuple):
    tags: dict[str, str | int | float | bool]
    delete_tags: list[str]
    note: Any  # str, None (clear), or _UNSET (leave alone)
    name: Any = _UNSET  # a new name, or _UNSET (leave alone)

    @classmethod
    def from_body(cls, body: dict) -> RunEdit:
        """``body`` has passed the OpenAPI schema of ``PATCH runs/{id}`` (see server.contract)."""
        return cls(
            body.get("tags", {}), body.get("delete_tags", []), body.get("note", _UNSET), _name(body.get("name", _UNSET))
        )

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
    """A rename keeps what the user typed but the surrounding spaces. The OpenAPI schema has
    already refused a blank name, one with control characters and one over 250 characters."""
    return name if name is _UNSET else name.strip()
