"""Artifact rows: a run's named files, each pointing at a blob."""

from __future__ import annotations

import time
from posixpath import normpath
from typing import TYPE_CHECKING, TypedDict

from ..errors import InvalidValueError, NotFoundError
from .blobs import Blobs
from .database import Database

if TYPE_CHECKING:
    import sqlite3


class Artifact(TypedDict):
    """A run's file: where it sits in the run, and the blob holding its content."""

    path: str
    sha256: str
    size: int
    media_type: str


class ListedArtifact(Artifact):
    created_at: float


def clean_artifact_path(path: str) -> str:
    """A relative POSIX path inside the run: no '..', no absolute path, no empty part."""
    if not isinstance(path, str) or not path.strip():
        raise InvalidValueError(f"artifact path {path!r} is not valid: use a relative path such as 'plots/loss.png'")
    cleaned = normpath(path.replace("\\", "/"))
    if cleaned.startswith(("/", "../")) or cleaned in ("..", ".") or "\x00" in cleaned:
        raise InvalidValueError(
            f"artifact path {path!r} is not valid: it must stay inside the run (no '..' or leading '/')"
        )
    return cleaned


class Artifacts:
    def __init__(self, db: Database, blobs: Blobs):
        self.db, self.blobs = db, blobs

    def add(self, run_id: str, path: str, sha256: str, size: int, media_type: str | None = None) -> Artifact:
        path = clean_artifact_path(path)
        import mimetypes  # here, not at the top: `import nbops` stays cheap

        media_type = media_type or mimetypes.guess_type(path)[0] or "application/octet-stream"
        with self.db.transaction() as conn:
            if not conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                raise NotFoundError(f"run {run_id!r} does not exist")
            conn.execute(
                "INSERT OR REPLACE INTO artifacts (run_id, path, sha256, size, media_type, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, path, sha256, size, media_type, time.time()),
            )
        return {"path": path, "sha256": sha256, "size": size, "media_type": media_type}

    def list(self, run_id: str) -> list[ListedArtifact]:
        rows = self.db.connection().execute(
            "SELECT path, sha256, size, media_type, created_at FROM artifacts WHERE run_id = ? ORDER BY path", (run_id,)
        )
        return [ListedArtifact(**_artifact(r), created_at=r["created_at"]) for r in rows]

    def get(self, run_id: str, path: str) -> Artifact:
        path = clean_artifact_path(path)
        row = (
            self.db.connection()
            .execute(
                "SELECT path, sha256, size, media_type FROM artifacts WHERE run_id = ? AND path = ?", (run_id, path)
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"run {run_id!r} has no artifact {path!r}")
        return _artifact(row)


def _artifact(row: sqlite3.Row) -> Artifact:
    return Artifact(path=row["path"], sha256=row["sha256"], size=row["size"], media_type=row["media_type"])
