"""Model governance in the Models view: challenger vs champion, Promote with confirmation,
the audit trail and the model card — real Lab, real server, real sklearn models."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

from .test_models import aliases_of, open_models

pytestmark = pytest.mark.browser

SEED = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from sklearn.tree import DecisionTreeClassifier
    import nbops

    def synthetic(n, seed):
        rng = np.random.default_rng(seed)
        x1, x2, x3 = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
        label = ((x1 > 0) ^ (x2 > 0)).astype(int)
        return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "region": np.where(x3 > 0, "north", "south"),
                             "label": label})

    if sys.argv[1] == "registry":
        train = synthetic(1500, 1)
        for depth, alias in ((1, "production"), (6, "candidate")):
            with nbops.start_run("churn", name=f"depth-{depth}", params={"max_depth": depth}):
                nbops.log_dataset(train, "churn-train", snapshot=True)
                model = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(train[["x1", "x2", "x3"]], train["label"])
                nbops.register_model("churn", model, alias=alias)
        synthetic(600, 2).to_csv("holdout.csv", index=False)
    print(nbops.evaluate_models("churn", sys.argv[2], "holdout.csv", "label", slice_column="region").run_id)
    """
)


def seed(lab_server, *args: str) -> str:
    env = dict(os.environ, NBOPS_HOME=str(lab_server.root_dir / ".nbops"))
    done = subprocess.run(
        [sys.executable, "-c", SEED, *args],
        cwd=lab_server.root_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def test_promote_with_confirmation_audit_trail_and_model_card(lab, lab_server):
    evaluation_id = seed(lab_server, "registry", "production,candidate")
    lab.open()
    view = open_models(lab)
    model = view.locator('[data-model="churn"]')
    evaluation = model.get_by_role("region", name="Latest evaluation of churn")
    expect(evaluation).to_be_visible()
    expect(evaluation.get_by_role("status")).to_contain_text("gate passed: accuracy")
    expect(evaluation.get_by_role("columnheader", name="Champion v1 (production)")).to_be_visible()
    expect(evaluation.get_by_role("columnheader", name="Challenger v2 (candidate)")).to_be_visible()
    expect(evaluation.get_by_role("rowheader", name="region = north · accuracy")).to_be_visible()
    lab.screenshot("governance-evaluation-light", model)

    promote = evaluation.get_by_role("button", name="Promote v2 to production")
    promote.click()
    dialog = lab.page.get_by_role("dialog")
    expect(dialog).to_contain_text("Promote v2 to production?")
    expect(dialog).to_contain_text(f"evaluation {evaluation_id}")
    lab.screenshot("governance-confirm-light")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    versions = view.get_by_role("table", name="Versions of churn")
    expect(aliases_of(versions, 1)).to_contain_text("production")
    assert lab_server.api("models/churn/versions")["versions"][1]["aliases"] == ["production"]

    promote.click()
    lab.page.get_by_role("dialog").get_by_role("button", name="Promote").click()
    expect(aliases_of(versions, 2)).to_contain_text("production")
    expect(aliases_of(versions, 1).get_by_role("listitem")).to_have_count(0)
    expect(evaluation).to_contain_text("v2 is production")
    events = lab_server.api("models/churn/events")["events"]
    assert events[-1]["kind"] == "promoted" and events[-1]["evaluation_run_id"] == evaluation_id

    audit = model.locator('[data-id="audit-trail"]')
    audit.locator("summary").click()
    rows = audit.get_by_role("table", name="Audit trail of churn").locator("tbody tr")
    expect(rows).to_have_count(len(events))
    expect(rows.first).to_contain_text("promoted")
    expect(rows.first).to_contain_text("v1 → v2")
    expect(rows.first).to_contain_text(f"evaluation {evaluation_id}")
    expect(rows.last).to_contain_text("registered")
    audit.scroll_into_view_if_needed()
    lab.screenshot("governance-audit-light", audit)
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("governance-audit-dark", audit)
    lab.set_theme("JupyterLab Light")

    versions.get_by_role("button", name="Model card of version 2").click()
    card = model.get_by_role("region", name="Model card of churn v2")
    expect(card.get_by_role("heading", name="Model card: churn version 2")).to_be_visible()
    expect(card.get_by_role("heading", name="Training data")).to_be_visible()
    expect(card.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(card.get_by_role("table").first).to_be_visible()  # Markdown tables rendered by Lab, not raw text
    expect(card).not_to_contain_text("| --- |")
    card.scroll_into_view_if_needed()
    lab.screenshot("governance-card-light")
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("governance-card-dark")
    lab.set_theme("JupyterLab Light")
    card.get_by_role("button", name="Close").click()
    expect(card).to_have_count(0)

    # a worse challenger: the gate fails, the button is off and says why; the server would refuse too
    seed(lab_server, "evaluate", "production,1")
    view.get_by_role("button", name="Refresh").click()
    expect(evaluation.get_by_role("status")).to_contain_text("gate failed: accuracy")
    failed = evaluation.get_by_role("button", name="Promote v1 to production")
    expect(failed).to_be_disabled()
    expect(evaluation.get_by_role("columnheader", name="Challenger v1", exact=True)).to_be_visible()
    lab.set_theme("JupyterLab Dark")
    lab.screenshot("governance-gate-failed-dark", model)
    lab.set_theme("JupyterLab Light")
    lab.screenshot("governance-gate-failed-light", model)
    expect(aliases_of(versions, 2)).to_contain_text("production")
