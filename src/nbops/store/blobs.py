"""Content-addressed files: ``blobs/ab/cdef…`` named by their sha256.

Writes go to a temporary file that is renamed into place, so a crash never leaves a
half-written blob under a valid name, and equal content is stored once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..errors import InvalidValueError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable

CHUNK = 1 << 20


class Blobs:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InvalidValueError(f"blob id {sha256[:80]!r} is not valid: use a 64-character sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:]

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        return self._put(lambda out: out.write(data))

    def put_file(self, source: str | os.PathLike[str]) -> tuple[str, int]:
        source = Path(source)
        if not source.is_file():
            raise InvalidValueError(f"artifact path {str(source)!r} is not a readable file")
        with open(source, "rb") as handle:
            return self._put(lambda out: _copy(handle, out))

    def open(self, sha256: str) -> BinaryIO:
        path = self.path(sha256)
        if not path.is_file():
            raise NotFoundError(f"blob {sha256} is missing from the store")
        return open(path, "rb")

    def _put(self, write: Callable[[_HashingWriter], object]) -> tuple[str, int]:
        import tempfile

        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as raw:
                out = _HashingWriter(raw)
                write(out)
                raw.flush()
                os.fsync(raw.fileno())
            target = self.path(out.digest.hexdigest())
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
            return out.digest.hexdigest(), out.size
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


class _HashingWriter:
    def __init__(self, raw: BinaryIO) -> None:
        import hashlib  # here, not at the top: loading OpenSSL would slow `import nbops`

        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.raw.write(data)


def _copy(handle: BinaryIO, out: _HashingWriter) -> None:
    while chunk := handle.read(CHUNK):
        out.write(chunk)
