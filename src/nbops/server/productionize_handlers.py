"""Routes of the Lab's Productionize view: static analysis, and conversion jobs polled by id.

Paths in bodies are relative to the server root (as Lab's file browser names them); anything
resolving outside it is refused. The conversion blocks for a while (two clean kernel runs, the
package's own run and pytest), so it runs as a job in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path, PurePosixPath

from tornado import web

from ..errors import ConflictError, InvalidValueError, NotFoundError
from ..productionize import analyse_notebook
from ..productionize.output_folder import check_writable, protected_stores, refuse_unsafe
from ..productionize.plan import package_name
from ..productionize.suggest import suggest_tags
from .base import NbopsHandler
from .productionize_jobs import Jobs

JOBS_SETTING = "nbops_productionize_jobs"
EXAMPLE = "e.g. 'analysis/train.ipynb'"
# A root-relative path, exactly as the OpenAPI document gives it: parts without '/', control
# characters, and never '.' or '..' (a test compares the two).
_PART = r"(?:[^/\x00-\x1f.][^/\x00-\x1f]*|\.[^/\x00-\x1f.][^/\x00-\x1f]*|\.\.[^/\x00-\x1f]+)"
RELATIVE_PATH_PATTERN = rf"^{_PART}(?:/{_PART})*$"
NOTEBOOK_PATH_PATTERN = rf"^(?:{_PART}/)*[^/\x00-\x1f]+\.ipynb$"


class ProductionizeHandler(NbopsHandler):
    @property
    def root(self) -> Path:
        return Path(self.settings.get("server_root_dir") or ".").expanduser().resolve()

    @property
    def jobs(self) -> Jobs:
        # Created on first use: a server that never productionizes starts no worker threads.
        if JOBS_SETTING not in self.settings:
            self.settings[JOBS_SETTING] = Jobs()
        return self.settings[JOBS_SETTING]

    def inside_root(self, value, field: str) -> Path:
        """``value`` (a root-relative path) as an absolute path, refusing anything outside the root."""
        if isinstance(value, str) and value.startswith("/"):
            raise InvalidValueError(
                f"{field} {value!r} is absolute: give a path relative to the server root, {EXAMPLE}"
            )
        if not isinstance(value, str) or not re.match(RELATIVE_PATH_PATTERN, value):
            raise InvalidValueError(
                f"{field} {value!r} is not valid: give a path relative to the server root without "
                f"'.' or '..' parts or control characters, {EXAMPLE}"
            )
        if PurePosixPath(value).is_absolute() or Path(value).is_absolute():
            raise InvalidValueError(
                f"{field} {value!r} is absolute: give a path relative to the server root, {EXAMPLE}"
            )
        path = (self.root / value).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidValueError(f"{field} {value!r} is outside the server root: give a path inside it, {EXAMPLE}")
        try:
            path.exists()
        except OSError as exc:  # e.g. a name too long for the file system
            raise InvalidValueError(f"{field} {value[:200]!r} is not a usable path: {exc.strerror}") from None
        return path

    def notebook(self, body: dict) -> tuple[str, Path]:
        value = body.get("path")
        path = self.inside_root(value, "path")
        if path.suffix != ".ipynb":
            raise InvalidValueError(f"path {value!r} is not a notebook: give the path of an .ipynb file")
        if not path.is_file():
            raise NotFoundError(f"path {value!r} does not exist under the server root: give an existing .ipynb file")
        return value, path


def default_out_dir(notebook: str) -> str:
    """``<notebook stem>_pipeline`` beside the notebook."""
    path = PurePosixPath(notebook)
    return str(path.with_name(f"{path.stem}_pipeline"))


class AnalysisHandler(ProductionizeHandler):
    @web.authenticated
    async def post(self):
        """Body ``{"path", "content"?}`` -> the plan: steps, DAG edges, cell roles, diagnostics.

        ``content`` (the notebook JSON the editor holds) analyses unsaved tag changes; without
        it the file on disk is read.
        """
        body = self.json_body()
        notebook, path = self.notebook(body)
        content = _notebook_content(body["content"]) if body.get("content") is not None else None

        def work():
            return {
                "notebook": notebook,
                "default_out_dir": default_out_dir(notebook),
                **analyse_notebook(
                    path if content is None else content, package_name(path.name), path.parent
                ).to_dict(),
            }

        await self.respond(work)


class SuggestionsHandler(ProductionizeHandler):
    @web.authenticated
    async def post(self):
        """Body ``{"path", "content"?}`` -> ``{"notebook", "suggestions"}``: a role for each untagged cell."""
        body = self.json_body()
        notebook, path = self.notebook(body)
        content = _notebook_content(body["content"]) if body.get("content") is not None else None

        def work():
            nb = content if content is not None else _read_notebook(path)
            return {"notebook": notebook, "suggestions": [s.to_dict() for s in suggest_tags(nb, path.parent)]}

        await self.respond(work)


class StartHandler(ProductionizeHandler):
    @web.authenticated
    async def post(self):
        """Body ``{"path", "out_dir"?, "force"?, "targets"?}`` -> 202 ``{"job_id"}``; 409 if out_dir exists and not force;
        400 if out_dir holds the notebook, the store or files nbops did not write (force or not)."""
        body = self.json_body()
        notebook, path = self.notebook(body)
        force, targets = body.get("force", False), body.get("targets", [])
        out_dir = body.get("out_dir") or default_out_dir(notebook)
        if out_dir in (".", "./"):  # the root: say why, not just "a '.' part"
            raise InvalidValueError(
                f"out_dir {out_dir!r} contains the notebook {path.name}; choose a new directory, "
                f"e.g. {default_out_dir(notebook)!r}"
            )
        out_path = self.inside_root(out_dir, "out_dir")
        # The notebook, the store and files nbops did not write are never replaced, force or not (400).
        refuse_unsafe(out_path, notebook=path, stores=protected_stores(path.parent, self.root), shown=out_dir)
        check_writable(out_path, shown=out_dir)
        if out_path.exists() and not force:
            raise ConflictError(f"output directory {out_dir!r} already exists; send force: true to overwrite it")
        # An unreadable notebook is the client's 400 now, not a failed job later.
        await asyncio.to_thread(analyse_notebook, path)
        job = self.jobs.start(notebook, path, out_dir, out_path, force, targets)
        await self.respond(lambda: {"job_id": job.id, "out_dir": out_dir}, status=202)


class JobHandler(ProductionizeHandler):
    @web.authenticated
    async def get(self, job_id: str):
        job = self.jobs.get(job_id)
        await self.respond(job.to_dict)


def _notebook_content(content):
    """The ``content`` field as a validated v4 notebook, or a 400 saying why not."""
    import nbformat

    if not isinstance(content, dict):
        raise InvalidValueError("content is not valid: send the notebook JSON (an object with cells), or omit it")
    try:
        nb = nbformat.reads(json.dumps(content), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidValueError(f"content is not a valid notebook: {str(exc).splitlines()[0][:200]}") from None
    return nb


def _read_notebook(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise InvalidValueError(f"{path.name} is not a readable notebook: {str(exc).splitlines()[0][:200]}") from None


ROUTES = [
    (r"productionize/analysis", AnalysisHandler),
    (r"productionize/suggestions", SuggestionsHandler),
    (r"productionize", StartHandler),
    (r"productionize/(?P<job_id>[^/]+)", JobHandler),
]
