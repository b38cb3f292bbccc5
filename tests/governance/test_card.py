"""Model cards from the store's real contents, and the governance REST routes."""

from __future__ import annotations

from server.api_client import call, error_of, get

import nbops
from nbops.governance.card import model_card


def test_the_card_covers_use_data_params_metrics_evaluations_drift_and_audit(registry, store):
    result = nbops.evaluate_models(
        "churn", "production,candidate", str(registry), "label", slice_column="region", promote=True
    )
    store.models.set_intended_use("churn", 2, "Rank customers by churn risk for the retention team; not for pricing.")
    card = model_card(store, "churn", "production")
    assert card.startswith("# Model card: churn version 2\n")
    assert "- **Aliases:** `candidate`, `production`" in card
    assert "## Intended use\n\nRank customers by churn risk for the retention team; not for pricing." in card
    train = store.datasets.latest("churn-train")
    assert f"- **Digest:** `{train['digest']}`" in card and "2000 rows × 5 columns" in card
    assert "| x1 | float64 |" in card and "| region | " in card and "| label | int64 |" in card
    assert "| max_depth | 6 |" in card and "| train_accuracy |" in card
    evaluation_row = next(line for line in card.splitlines() if line.startswith(f"| `{result.run_id}`"))
    assert "accuracy" in evaluation_row and "gate passed" in evaluation_row
    assert "## Drift\n\n_No drift check yet" not in card  # the model resolves to its training reference
    assert "## Explanation" not in card  # none logged: no section
    audit = card.split("## Audit trail", 1)[1]
    assert "registered → v2" in audit and f"evaluation `{result.run_id}`" in audit
    assert "promoted `production` (from v1) → v2" in audit and "intended use → v2" in audit


def test_the_card_shows_drift_and_an_explanation_when_there_are_some(registry, store):
    from .conftest import synthetic

    shifted = synthetic(500, 3)
    shifted["x1"] = shifted["x1"] + 3
    nbops.check_drift("churn", shifted, window="week 1")
    run_id = store.models.version("churn", 1)["run_id"]
    sha, size = store.blobs.put_bytes(b'{"x1": 0.7}')
    store.artifacts.add(run_id, "explanation/importance.json", sha, size)
    card = model_card(store, "churn", 1)
    assert "- **Last window:** week 1" in card and "Windows scored:** 1" in card
    assert "- **Status:** drift in 1 of 5 features" in card
    assert "## Explanation\n\n- `explanation/importance.json`" in card
    assert "_Not written yet. Set it with `nbops models card churn:1 --intended-use" in card


def test_cli_card_sets_intended_use_and_writes_the_file(registry, project, python_env):
    from .test_promotion import cli

    out = cli(
        "models", "card", "churn:1", "-o", str(project / "card.md"), "--intended-use", "A baseline.", env=python_env
    )
    assert out.returncode == 0, out.stderr
    text = (project / "card.md").read_text()
    assert text.startswith("# Model card: churn version 1") and "A baseline." in text
    out = cli("models", "card", "churn:7", env=python_env)
    assert out.returncode == 2 and "model 'churn' has no version or alias 7" in out.stderr


async def test_rest_events_evaluation_promote_and_card(registry, store, jp_fetch):
    assert (await get(jp_fetch, "models", "churn", "evaluation"))["evaluation"] is None
    worse = nbops.evaluate_models("churn", "candidate,production", str(registry), "label")
    evaluation = (await get(jp_fetch, "models", "churn", "evaluation"))["evaluation"]
    assert evaluation["run_id"] == worse.run_id and evaluation["decision"]["passed"] is False
    code, message = await error_of(
        jp_fetch,
        "models",
        "churn",
        "promote",
        method="POST",
        body={"evaluation_run_id": worse.run_id, "alias": "candidate"},
    )
    assert code == 409 and message.startswith("not promoted: gate failed: accuracy")
    better = nbops.evaluate_models("churn", "production,candidate", str(registry), "label")
    moved = await call(jp_fetch, "POST", "models", "churn", "promote", body={"evaluation_run_id": better.run_id})
    assert moved["version"] == 2 and moved["aliases"]["production"] == 2
    events = (await get(jp_fetch, "models", "churn", "events"))["events"]
    assert events[-1]["kind"] == "promoted" and events[-1]["evaluation_run_id"] == better.run_id
    assert events[-1]["actor"]  # the Jupyter user
    card = await get(jp_fetch, "models", "churn", "versions", "production", "card")
    assert card["markdown"].startswith("# Model card: churn version 2")
    for body, expected in (({}, "needs the field 'evaluation_run_id'"), ({"evaluation_run_id": "nope"}, None)):
        code, message = await error_of(jp_fetch, "models", "churn", "promote", method="POST", body=body)
        assert code == (400 if expected else 404) and (expected is None or expected in message)
    assert (await error_of(jp_fetch, "models", "ghost", "events"))[0] == 404
    assert (await error_of(jp_fetch, "models", "churn", "versions", "9", "card"))[0] == 404
