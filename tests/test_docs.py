"""The README documents every public function, magic, route and command: a missing
section fails here, so docs and code cannot drift apart."""

import re
from pathlib import Path

import nbops
from nbops.server import route_methods, routes

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# The README is the front door; the reference lives in docs/ (a Sphinx site).
DOCS = README + "".join(page.read_text() for page in sorted((ROOT / "docs").glob("*.md")))
# "`GET runs/{run_id}/metrics?keys=`": a verb, a route, then a query string or the closing quote.
DOCUMENTED_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) ([a-z0-9_./{}-]+)[`?]")


def served_routes() -> set[tuple[str, str]]:
    served = set()
    for pattern, handler in routes():
        readable = re.sub(r"\(\?P<([a-z_]+)>[^)]*\)", r"{\1}", pattern)
        served.update((verb, readable) for verb in route_methods(handler))
    return served


def test_every_public_function_is_documented():
    functions = [name for name in nbops.__all__ if callable(getattr(nbops, name)) and name[0].islower()]
    missing = [name for name in functions if f"`{name}(" not in DOCS]
    assert not missing


def test_every_route_and_verb_is_documented_and_nothing_else():
    """Each verb of each route has its own `VERB route` entry, and every such entry is served."""
    documented = set(DOCUMENTED_ROUTE.findall(DOCS))
    served = served_routes()
    assert not served - documented, f"undocumented: {sorted(served - documented)}"
    assert not documented - served, f"documented but not served: {sorted(documented - served)}"


def test_deleting_one_route_row_is_noticed():
    """The check above must see a single missing row (it once accepted a route named anywhere)."""
    row = next(line for line in DOCS.splitlines() if line.startswith("| `GET runs/{run_id}/artifacts` "))
    assert ("GET", "runs/{run_id}/artifacts") not in set(DOCUMENTED_ROUTE.findall(DOCS.replace(row, "")))


def test_both_magics_and_the_two_setup_commands_are_documented():
    for text in ("%load_ext nbops", "%track EXPERIMENT", "%track --end", "%%track EXPERIMENT"):
        assert text in DOCS
    assert "bash binder/demo" in README and "bash .ci/run" in README
    assert "<!-- test-command -->" in README


def test_the_readme_is_a_front_door_that_links_every_docs_page():
    assert README.startswith("# nbops") and "pip install nbops" in README and len(README) < 12_000
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "index.md":
            assert f"(docs/{page.name})" in README, f"README links no docs/{page.name}"
