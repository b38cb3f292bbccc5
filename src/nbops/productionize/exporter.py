"""``jupyter nbconvert --to pipeline nb.ipynb``: the generated package as ``nb.zip``.

Registered as ``pipeline`` through the ``nbconvert.exporters`` entry point, so Lab's
"Export Notebook As" menu lists it (and downloads the zip). Set
``--PipelineExporter.package_dir=DIR`` to also keep the package as a directory.
A notebook that cannot be converted raises ``ProductionizeError`` naming the cells.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from nbconvert.exporters import Exporter
from traitlets import Bool, Unicode, default

from ..errors import ProductionizeError
from .convert import productionize
from .plan import package_name

__all__ = ["PipelineExporter"]


class PipelineExporter(Exporter):
    """Export a notebook's tagged cells as a parameterized, tested pipeline package (zip)."""

    export_from_notebook = "Pipeline package"
    output_mimetype = "application/zip"

    package_dir = Unicode("", help="Also write the package to this directory.").tag(config=True)
    force = Bool(False, help="Replace package_dir if it exists.").tag(config=True)
    run_tests = Bool(True, help="Run the generated package's tests before exporting it.").tag(config=True)
    kernel_name = Unicode("", help="Kernel for the clean run (default: the notebook's).").tag(config=True)

    @default("file_extension")
    def _file_extension_default(self):
        return ".zip"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        metadata = resources.get("metadata", {})
        filename = (metadata.get("name") or "notebook") + ".ipynb"
        workdir = metadata.get("path") or None
        with tempfile.TemporaryDirectory(prefix="nbops-export-") as tmp:
            target = Path(self.package_dir) if self.package_dir else Path(tmp) / package_name(filename)
            result = productionize(
                nb_copy,
                target,
                force=self.force,
                run_tests=self.run_tests,
                workdir=workdir,
                kernel_name=self.kernel_name or None,
                notebook_name=filename,
            )
            if not result.ok:
                lines = "\n".join(d.format() for d in result.errors)
                raise ProductionizeError(f"{filename} cannot be turned into a pipeline:\n{lines}", result.diagnostics)
            output = _zip(target, result.package, result.to_json())
        resources["output_extension"] = self.file_extension
        resources["productionize"] = result.to_dict()
        return output, resources


def _zip(directory: Path, root: str, report: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"{root}/{path.relative_to(directory).as_posix()}")
        archive.writestr(f"{root}/productionize.json", report)
    return buffer.getvalue()
