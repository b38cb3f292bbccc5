"""The analysis as the Lab's Pipeline panel receives it: cell roles and the untagged cells that matter."""

import json

import pipeline_notebooks as nbs

from nbops.productionize import analyse_notebook


def test_plan_view_lists_every_code_cell_with_its_role_and_is_json():
    view = analyse_notebook(nbs.training(), "churn").to_dict()
    json.dumps(view)  # the route sends it as is
    roles = [(c["index"], c["role"], c["step"]) for c in view["cells"]]
    assert (1, "parameters", None) in roles
    assert [r for r in roles if r[1] == "step"] == [(i, "step", s) for i, _, s in roles if s]
    assert view["dag"]["order"] and view["untagged"] == [] and view["package"] == "churn"


def test_untagged_cells_are_listed_only_when_a_later_tagged_cell_reads_them():
    nb = nbs._nb(
        nbs.code("rows = [1, 2]\nunused = 3"),
        nbs.code("total = sum(rows)", "step:sum"),
        nbs.code("later = 1"),
        nbs.code("print('hi')"),
    )
    view = analyse_notebook(nb, "p").to_dict()
    assert view["untagged"] == [{"index": 0, "id": "c00", "names": ["rows"], "read_by": [1]}]
    assert [c["role"] for c in view["cells"]] == [None, "step", None, None]
