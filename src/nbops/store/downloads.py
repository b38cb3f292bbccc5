"""Opening an artifact for download: the user's path only selects a row.

The file opened is always ``blobs/ab/cdef…`` named by the row's sha256, never a path built
from the request, and it must be a regular file inside the blobs folder (a planted symlink
is refused), so no request can read outside ``.nbops/blobs``.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, NamedTuple

from ..errors import InvalidValueError, NotFoundError
from .artifacts import Artifacts
from .blobs import Blobs

CHUNK = 256 * 1024


class Download(NamedTuple):
    path: str
    sha256: str
    size: int
    media_type: str
    file: BinaryIO


def check_request_path(path: str) -> str:
    """Refuse rather than normalize: '..', '.', empty parts, absolute paths, backslashes and
    control characters (NUL included) are 400s, whatever their encoding was on the wire."""
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(ord(ch) < 32 for ch in path)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise InvalidValueError(
            f"artifact path {path[:200]!r} is not valid: use the path the run logged, e.g. 'plots/loss.png' "
            "(no '..', '.', empty parts, leading '/', backslash or control characters)"
        )
    return path


def open_download(artifacts: Artifacts, blobs: Blobs, run_id: str, path: str) -> Download:
    """The artifact's row and an open handle on its blob (the caller closes it)."""
    row = artifacts.get(run_id, check_request_path(path))
    blob = blobs.path(row["sha256"])
    root = os.path.realpath(blobs.root)
    if os.path.realpath(blob.parent) != os.path.join(root, row["sha256"][:2]):
        raise NotFoundError(f"the content of artifact {path!r} is not inside the store's blobs folder")
    try:
        fd = os.open(blob, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # missing, or a symlink (ELOOP)
        raise NotFoundError(
            f"the content of artifact {path!r} (blob {row['sha256'][:12]}…) is missing from the store"
        ) from None
    handle = os.fdopen(fd, "rb")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        raise NotFoundError(f"the content of artifact {path!r} is not a regular file in the store")
    return Download(row["path"], row["sha256"], info.st_size, row["media_type"] or "application/octet-stream", handle)
