"""Every promise of the reliability page (docs/reliability.md) names a test that exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_reliability_promise_names_a_test_that_exists():
    section = (ROOT / "docs" / "reliability.md").read_text()
    promises = [line for line in section.splitlines() if line.startswith("- ")]
    assert promises
    for promise in promises:
        named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", promise)
        assert named, f"this promise names no test: {promise}"
        for path, name in named:
            tree = ast.parse((ROOT / path).read_text())
            defined = {
                node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
            assert name in defined, f"{path}::{name} does not exist"
