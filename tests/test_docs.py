"""The README documents every public function, magic, route and command: a missing
section fails here, so docs and code cannot drift apart."""

import re
from pathlib import Path

import nbops
from nbops.server import routes

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_public_function_is_documented():
    functions = [name for name in nbops.__all__ if callable(getattr(nbops, name)) and name[0].islower()]
    missing = [name for name in functions if f"`{name}(" not in README]
    assert not missing


def test_every_route_is_documented():
    for pattern, _ in routes():
        readable = re.sub(r"\(\?P<([a-z_]+)>[^)]*\)", r"{\1}", pattern)
        assert f"`GET {readable}" in README or f"{readable}`" in README, readable


def test_both_magics_and_the_two_setup_commands_are_documented():
    for text in ("%load_ext nbops", "%track EXPERIMENT", "%track --end", "%%track EXPERIMENT"):
        assert text in README
    assert "bash binder/demo" in README and "bash .ci/run" in README
    assert "<!-- test-command -->" in README
