"""Routes for a run's artifacts: the listing, and each file streamed from its blob."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from tornado import web

from ..store.downloads import CHUNK, check_request_path, open_download
from .base import NbopsHandler


class ArtifactsHandler(NbopsHandler):
    @web.authenticated
    async def get(self, run_id: str):
        def work():
            self.store.runs.get(run_id)  # 404 for an unknown run, not an empty list
            return {"run_id": run_id, "artifacts": self.store.artifacts.list(run_id)}

        await self.respond(work)


class ArtifactFileHandler(NbopsHandler):
    """Streams in chunks with the artifact's media type; ``?download=true`` asks the browser to
    save it. A logged HTML or SVG file could carry script, so the response is sandboxed."""

    @property
    def content_security_policy(self) -> str:
        return super().content_security_policy + "; sandbox"

    @web.authenticated
    async def get(self, run_id: str, path: str):
        check_request_path(path)
        download = self.boolean_argument("download")
        found = await asyncio.to_thread(open_download, self.store.artifacts, self.store.blobs, run_id, path)
        try:
            etag = f'"{found.sha256}"'
            self.set_header("ETag", etag)
            self.set_header("Cache-Control", "private, no-cache")
            if etag in (self.request.headers.get("If-None-Match") or ""):
                self.set_status(304)
                return self.finish()
            name = found.path.rsplit("/", 1)[-1]
            fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
            disposition = "attachment" if download else "inline"
            self.set_header(
                "Content-Disposition", f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
            )
            self.set_header("Content-Type", found.media_type)
            self.set_header("Content-Length", str(found.size))
            remaining = found.size
            while remaining > 0:
                chunk = await asyncio.to_thread(found.file.read, min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                self.write(chunk)
                await self.flush()
            await self.finish(set_content_type=found.media_type)
        finally:
            found.file.close()


ROUTES = [
    (r"runs/(?P<run_id>[^/]+)/artifacts", ArtifactsHandler),
    (r"runs/(?P<run_id>[^/]+)/artifacts/(?P<path>.+)", ArtifactFileHandler),
]
