"""Sphinx configuration of the nbops documentation (MyST Markdown, pydata theme)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))

import nbops  # noqa: E402

project = "nbops"
author = "the nbops developers"
copyright = "nbops developers"
release = version = nbops.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "openapi_tables"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
suppress_warnings = ["myst.header"]  # README-style pages may start below h1 in sections

html_theme = "pydata_sphinx_theme"
html_title = "nbops"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
openapi_document = str(HERE.parent / "src" / "nbops" / "server" / "openapi.json")
