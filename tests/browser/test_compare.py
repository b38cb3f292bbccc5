"""The Compare panel end to end: seeds and configs side by side, curves, groups, restore."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEED_SCRIPT = textwrap.dedent(
    """
    import json, math, sys
    import nbops

    def train(name, seed, model, lr, depth, steps=1500, nan_at=None, val=True):
        params = {"model": model, "lr": lr, "depth": depth, "seed": seed, "optimizer": "adam"}
        with nbops.start_run("sweep", name=name, params=params, capture_provenance=False) as run:
            for step in range(steps):
                noise = 0.03 * math.sin(step * 0.05 + seed * 1.7)
                loss = 1.0 / (1.0 + lr * step * 0.2) + noise
                nbops.log_metric("loss", float("nan") if step == nan_at else loss, step=step)
                if val and step % 50 == 0:
                    auc = 0.7 + 0.2 * (1 - loss) + 0.01 * seed
                    nbops.log_metric("val_auc", float("nan") if step == nan_at else auc, step=step)
        return run.id

    ids = {
        "rf-seed1": train("rf-seed1", 1, "rf", 0.1, 6, nan_at=300),
        "rf-seed2": train("rf-seed2", 2, "rf", 0.1, 6),
        "gbm-seed1": train("gbm-seed1", 1, "gbm", 0.05, 3, val=False),
        "rf-seed3": train("rf-seed3", 3, "rf", 0.1, 6, steps=10),
    }
    json.dump(ids, sys.stdout)
    """
)


@pytest.fixture(scope="module")
def runs(lab_server) -> dict[str, str]:
    """Two seeds of one config, another config, and a run that is then deleted."""
    env = {**os.environ, "NBOPS_HOME": str(lab_server.root_dir / ".nbops")}
    out = subprocess.run([sys.executable, "-c", SEED_SCRIPT], env=env, check=True, capture_output=True, text=True)
    ids = json.loads(out.stdout)
    lab_server.api(f"runs/{ids['rf-seed3']}", "DELETE")
    return ids


def open_compare(lab, run_ids: list[str]):
    lab.page.evaluate("runs => window.jupyterapp.commands.execute('nbops:open-compare', {runs})", run_ids)
    panel = lab.page.locator(".jp-nbops-ComparePanel:visible")
    expect(panel).to_be_visible()
    return panel


def traces(chart, role: str) -> int:
    """How many plotly traces of ``role`` (line, raw, envelope, band, mean) the chart draws."""
    return chart.evaluate("(el, role) => (el.data || []).filter(t => t.meta && t.meta.role === role).length", role)


def curves_chart(panel):
    chart = panel.locator('[data-id="compare-curves"].js-plotly-plot')
    expect(chart).to_be_attached(timeout=30_000)
    return chart


def test_compare_panel_diffs_plots_groups_and_is_restored(lab, runs):
    lab.open()
    shown = [runs["rf-seed1"], runs["rf-seed2"], runs["gbm-seed1"]]
    panel = open_compare(lab, shown + [runs["rf-seed3"]])
    page = lab.page

    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Compare · 3 runs")
    expect(tab).to_be_visible()
    # The deleted run is named; the other three are still compared.
    expect(panel.get_by_role("status", name="Notices")).to_contain_text("rf-seed3")
    table = panel.get_by_role("table", name="Parameters and metrics")
    expect(table.get_by_role("columnheader")).to_contain_text(["Run", "rf-seed1", "rf-seed2", "gbm-seed1"])

    # Differing params are highlighted; "differences only" hides the equal ones.
    expect(table.locator('tr[data-param="seed"]')).to_have_class("jp-mod-differs")
    expect(table.locator('tr[data-param="optimizer"]')).to_be_visible()
    expect(table.locator('tr[data-param="optimizer"]')).not_to_have_class("jp-mod-differs")
    panel.get_by_role("checkbox", name="Show differences only").check()
    expect(table.locator('tr[data-param="optimizer"]')).to_have_count(0)
    expect(table.locator('tr[data-param="model"] td')).to_have_text(["rf", "rf", "gbm"])
    # Metric summary rows: last / min / max per run; a metric one run lacks shows a dash.
    expect(table.locator('tr[data-metric="val_auc"]').first.locator("td").nth(2)).to_have_text("—")

    # One line per run; downsampled runs carry a min/max envelope.
    chart = curves_chart(panel)
    page.wait_for_function(
        "el => el.data && el.data.filter(t => t.meta && t.meta.role === 'line').length === 3",
        arg=chart.element_handle(),
    )
    assert traces(chart, "envelope") == 3
    lab.screenshot("compare-light")

    # Smoothing keeps the raw curve faint behind the smoothed one.
    panel.get_by_role("slider", name="Smoothing").fill("0.8")
    page.wait_for_function(
        "el => el.data.filter(t => t.meta && t.meta.role === 'raw').length === 3",
        arg=chart.element_handle(),
    )

    panel.get_by_role("combobox", name="X axis").select_option(label="Wall time")
    page.wait_for_function("el => el.layout.xaxis.type === 'date'", arg=chart.element_handle())
    first_x = chart.evaluate("el => el.data.find(t => t.meta && t.meta.role === 'line').x[0]")
    assert isinstance(first_x, str) and first_x[:2] == "20"

    # Seeds grouped: rf (2 runs) gets a mean line and a ±1 std band, gbm a mean line.
    panel.get_by_role("combobox", name="X axis").select_option(label="Step")
    panel.get_by_role("combobox", name="Group runs").select_option(label="By everything except seed")
    page.wait_for_function(
        "el => el.data.filter(t => t.meta && t.meta.role === 'mean').length === 2",
        arg=chart.element_handle(),
    )
    assert traces(chart, "band") == 1
    band_width = chart.evaluate(
        """el => {
            const lower = el.data.find(t => t.meta && t.meta.role === 'band');
            const upper = el.data[el.data.indexOf(lower) - 1];
            return Math.max(...upper.y.map((u, i) => (u ?? 0) - (lower.y[i] ?? 0)));
        }"""
    )
    assert band_width > 0
    expect(table.locator(".jp-nbops-CompareTable-groups th[scope=colgroup]")).to_contain_text(
        ["depth=6 · lr=0.1 · model=rf (2)", "depth=3 · lr=0.05 · model=gbm (1)"]
    )
    # A metric some runs lack is named.
    panel.get_by_role("combobox", name="Group runs").select_option(label="No grouping")
    panel.get_by_role("combobox", name="Metric", exact=True).select_option("val_auc")
    expect(panel.get_by_text("val_auc was not logged by gbm-seed1")).to_be_visible()
    # The NaN that rf-seed1 logged at step 300 is a gap in its line, not a zero.
    page.wait_for_function(
        """el => el.data.filter(t => t.meta && t.meta.role === 'line').length === 2
            && el.data.some(t => t.name === 'rf-seed1' && t.meta.role === 'line' && t.y[t.x.indexOf(300)] === null)""",
        arg=chart.element_handle(),
    )
    panel.get_by_role("combobox", name="Metric", exact=True).select_option("loss")
    panel.get_by_role("combobox", name="Group runs").select_option(label="By everything except seed")
    # Charts below the fold are drawn once scrolled to (the first chart paints sooner). The
    # parallel coordinates need plotly's full build, fetched once the first chart painted,
    # and draw through WebGL, which is software-rendered here: seconds on a loaded host.
    panel.get_by_role("region", name="Param vs metric").scroll_into_view_if_needed()
    expect(panel.locator('[data-id="compare-parallel"].js-plotly-plot')).to_be_attached(timeout=30_000)
    expect(panel.locator('[data-id="compare-scatter"].js-plotly-plot')).to_be_attached()
    page.wait_for_timeout(500)
    lab.screenshot("compare-grouped-light")
    panel.evaluate("el => el.scrollTo(0, el.scrollHeight)")
    lab.screenshot("compare-charts-light")

    # Charts follow the panel's width.
    width = chart.evaluate("el => el._fullLayout.width")
    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_function("([el, w]) => el._fullLayout.width < w - 200", arg=[chart.element_handle(), width])
    page.set_viewport_size({"width": 1366, "height": 800})

    lab.set_theme("JupyterLab Dark")
    panel.evaluate("el => el.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    lab.screenshot("compare-grouped-dark")
    panel.evaluate("el => el.scrollTo(0, el.scrollHeight)")
    lab.screenshot("compare-charts-dark")
    # Plot text follows the theme: the axis font is the dark theme's font colour, not black.
    font = chart.evaluate("el => el._fullLayout.font.color")
    body_color = page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color1').trim()")
    assert font == body_color
    lab.set_theme("JupyterLab Light")
    assert not [error for error in lab.console_errors if "nbops" in error.lower() or "plotly" in error.lower()]

    # Reload: the panel comes back with the same runs and the same view (seed groups).
    page.reload()
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    page.evaluate("() => window.jupyterapp.restored")
    restored = page.locator(".jp-nbops-ComparePanel:visible")
    expect(restored).to_be_visible(timeout=30_000)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Compare · 3 runs")).to_be_visible()
    expect(restored.get_by_role("columnheader")).to_contain_text(["Run", "rf-seed1", "rf-seed2", "gbm-seed1"])
    expect(restored.get_by_role("combobox", name="Group runs")).to_have_value("except:seed")
    expect(restored.get_by_role("slider", name="Smoothing")).to_have_value("0.8")
    chart = curves_chart(restored)
    page.wait_for_function(
        "el => el.data && el.data.filter(t => t.meta && t.meta.role === 'mean').length === 2",
        arg=chart.element_handle(),
    )


def test_one_run_and_no_selection_are_explained(lab, runs):
    lab.open()
    lab.page.evaluate("() => window.jupyterapp.commands.execute('nbops:open-compare')")
    expect(lab.page.get_by_text("Select runs in the Experiments sidebar, then choose Compare.")).to_be_visible()

    panel = open_compare(lab, [runs["gbm-seed1"]])
    expect(panel.get_by_role("status", name="Notices")).to_contain_text("Only one run to show")
    chart = curves_chart(panel)
    lab.page.wait_for_function(
        "el => el.data && el.data.filter(t => t.meta && t.meta.role === 'line').length === 1",
        arg=chart.element_handle(),
    )
    lab.screenshot("compare-one-run-light")
