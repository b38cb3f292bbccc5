import pytest


@pytest.fixture
def jp_server_config(project):
    # ``project`` first: the extension must find the test's store, not a global one.
    return {"ServerApp": {"jpserver_extensions": {"nbops": True}}}
