"""``%run script.py``: translated to plain Python that binds what IPython's ``%run`` binds, or
NB204 saying why it cannot be."""

import ast
import runpy
import subprocess
import sys
import textwrap

import pytest
from pipeline_notebooks import _nb, code

from nbops.productionize.scripts import module_bindings
from nbops.productionize.suggest import suggest_tags
from nbops.productionize.syntax import normalize

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import os.path
    from collections import Counter as Tally
    try:
        import not_installed_anywhere as fast
    except ImportError:
        fast = None

    DATA_DIR = "data"
    table = {}
    table["k"] = 1
    first, *rest = [1, 2, 3]
    if (n := len(rest)) > 1:
        SIZE = "big"
    else:
        SIZE = "small"
    for step in range(2):
        pass
    scratch = 0
    del scratch


    def load(name):
        inner = 1
        return os.path.join(DATA_DIR, name)


    class Scaler:
        factor = 2


    if __name__ == "__main__":
        banner = "ran as a script"
    """
)


def _run_in_notebook_namespace(folder, source):
    """What the cell's plain Python leaves in a namespace, run from the notebook's folder."""
    namespace: dict = {}
    import os

    here = os.getcwd()
    os.chdir(folder)
    try:
        exec(compile(source, "cell", "exec"), namespace)
    finally:
        os.chdir(here)
    return {k: v for k, v in namespace.items() if not k.startswith("__")}


def test_run_binds_what_ipython_binds(tmp_path):
    (tmp_path / "helpers.py").write_text(SCRIPT)
    normalized = normalize("%run helpers.py\n", 2, "c2", tmp_path)
    assert [(d.code, d.cell_index, d.line) for d in normalized.diagnostics] == [("NB213", 2, 1)]
    assert normalized.ran_scripts == ["helpers.py"]
    # the imports are imports again (their distributions join the requirements); the rest is read
    # from the namespace runpy returns, which holds what %run copies into the notebook's
    assert normalized.source.startswith(
        "import numpy as np\nimport os.path\nfrom collections import Counter as Tally\nimport runpy\n"
    )
    ran = runpy.run_path(str(tmp_path / "helpers.py"), run_name="__main__")
    expected = {k: v for k, v in ran.items() if not k.startswith("__")}
    got = _run_in_notebook_namespace(tmp_path, normalized.source)
    got.pop("runpy"), got.pop("_ran_helpers")
    assert got.keys() == expected.keys()
    assert got["banner"] == "ran as a script" and got["SIZE"] == "big" and got["fast"] is None
    assert "inner" not in got and "scratch" not in got


def test_a_script_beside_the_notebook_that_never_tests_its_name_is_imported(tmp_path):
    """%run helpers (no extension, found as IPython finds it): imported, not run as __main__, so
    an instance of its class pickles by reference, as a step's cached output must."""
    (tmp_path / "helpers.py").write_text("import math\nVALUE = 1\n\n\nclass Box:\n    size = math.pi\n")
    normalized = normalize("%run helpers\nx = VALUE + 1\nbox = Box()\n", 0, None, tmp_path)
    assert normalized.source == "import math\nfrom helpers import VALUE, Box\nx = VALUE + 1\nbox = Box()\n"
    code = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n" + normalized.source
    code += "import pickle\nassert pickle.loads(pickle.dumps(box)).size == math.pi\nprint(x)\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout == "2\n", done.stderr
    # run as %run runs it, the class is __main__.Box: the package could not cache the box
    assert runpy.run_path(str(tmp_path / "helpers.py"), run_name="__main__")["Box"].__module__ == "__main__"


def test_a_script_that_binds_nothing_is_run_for_its_effects(tmp_path):
    (tmp_path / "prepare.py").write_text("print('preparing')\n")
    assert normalize("%run prepare.py\n", 0, None, tmp_path).source == (
        "import runpy\nrunpy.run_path('prepare.py', run_name='__main__')\n"
    )


def test_a_script_in_another_folder_keeps_its_path(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "shared" / "utils.py").write_text("def twice(x):\n    return 2 * x\n")
    normalized = normalize("%run ../shared/utils.py\ny = twice(2)\n", 0, None, tmp_path / "notebooks")
    assert "_ran_utils = runpy.run_path('../shared/utils.py'" in normalized.source
    assert _run_in_notebook_namespace(tmp_path / "notebooks", normalized.source)["y"] == 4


@pytest.mark.parametrize(
    "line, reason",
    [
        ("%run -i helpers.py", "-i has no plain-Python equivalent"),
        ("%run -m http.server", "-m has no plain-Python equivalent"),
        ("%run helpers.py --epochs 3", "passes arguments to the script (--epochs 3)"),
        ("%run utils.ipynb", "runs another notebook"),
        ("%run $script", "through a variable or pattern"),
        ("%run missing.py", "'missing.py', which is not a file beside the notebook"),
        ("%run broken.py", "'broken.py', which cannot be read as Python"),
        ("%run stars.py", "'stars.py', which star-imports"),
        ("x = %run helpers.py", "part of a larger expression"),
    ],
)
def test_a_run_that_cannot_be_translated_is_nb204_saying_why(tmp_path, line, reason):
    (tmp_path / "helpers.py").write_text("A = 1\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "stars.py").write_text("from math import *\n")
    (diagnostic,) = normalize(line + "\n", 1, "c1", tmp_path).diagnostics
    assert diagnostic.code == "NB204" and reason in diagnostic.message, diagnostic.message
    assert diagnostic.suggestion


def test_without_the_notebooks_folder_run_stays_nb204():
    (diagnostic,) = normalize("%run helpers.py\n").diagnostics
    assert diagnostic.code == "NB204" and "folder is known" in diagnostic.message


def test_relative_imports_and_rebound_imports_are_read_from_the_namespace():
    tree = ast.parse("import json\nfrom . import sibling\njson = None\nimport math\n")
    assert module_bindings(tree) == (["import math"], ["json", "sibling"])


def test_a_cell_that_only_runs_a_script_is_suggested_setup(tmp_path):
    (tmp_path / "helpers.py").write_text("import math\n\ndef area(r):\n    return math.pi * r * r\n")
    nb = _nb(code("%matplotlib inline\n%run helpers.py"), code("a = area(2.0)"))
    first, second = suggest_tags(nb, tmp_path)
    assert (first.role, first.reason) == ("setup", "runs helpers.py: its functions and imports")
    assert second.role == "step"
