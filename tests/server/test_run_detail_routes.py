"""What the run detail panel reads from ``GET runs/{id}`` beyond the runs list."""

import json

import nbops


async def get_json(jp_fetch, *parts):
    response = await jp_fetch("nbops", "api", *parts)
    return json.loads(response.body)


async def test_run_detail_lists_child_runs_but_not_deleted_ones(jp_fetch, project):
    with nbops.start_run("sweep", name="parent") as parent:
        with nbops.start_run("sweep", name="fold-1") as first:
            pass
        with nbops.start_run("sweep", name="fold-2") as second:
            pass
    await jp_fetch("nbops", "api", "runs", second.id, method="DELETE")

    body = await get_json(jp_fetch, "runs", parent.id)
    assert body["child_runs"] == [{"id": first.id, "name": "fold-1", "status": "finished"}]
    child = await get_json(jp_fetch, "runs", first.id)
    assert child["parent_id"] == parent.id and child["child_runs"] == []
