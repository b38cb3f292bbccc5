"""Which tests share a pytest-xdist worker under ``--dist loadgroup``.

Tests that share a costly fixture go to one worker, so it starts once: a browser module's
tests (its Lab server and Chromium), else the tests of a costly session fixture, else each
file's tests (a module's kernel or Airflow server).
"""

from __future__ import annotations

import pytest

# Session fixtures that start something costly: a PostgreSQL cluster behind an mlflow server,
# the `nbops serve` processes, an export to KFP and Airflow. Under pytest-xdist every worker
# that runs a test using one would start its own, so their tests go to one worker together.
SHARED_SESSION = {
    "mlflow_server": "mlflow-server",
    "serving_home": "serving",
    "orchestrated": "orchestrated",
}


def group_of(item: pytest.Item) -> str:
    module = item.nodeid.split("::")[0]
    # A browser test that uses a shared session fixture (the mlflow server) stays with its
    # module's Lab server: that fixture then starts once more, on the worker of that module.
    if item.get_closest_marker("browser"):
        return module
    shared = next((SHARED_SESSION[name] for name in item.fixturenames if name in SHARED_SESSION), None)
    return shared or module


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group_of(item)))
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in items:
            _name_the_group_in_the_node_id(item)


def _name_the_group_in_the_node_id(item: pytest.Item) -> None:
    """Give the test's node id the ``@group`` suffix by which xdist's scheduler groups it.

    xdist sets that suffix through ``item._nodeid``, but since pytest 9.2 the node id is read
    from ``item._id``: the suffix is lost and every test is scheduled on its own, silently
    (pytest-dev/pytest-xdist#1386). Once xdist sets it where pytest reads it, its own suffix
    follows this one and the group is the same (the scheduler reads the last ``@``).
    """
    from _pytest.nodeid import NodeId

    group = item.get_closest_marker("xdist_group").args[0]
    item._id = NodeId.parse(f"{item.nodeid}@{group}")
