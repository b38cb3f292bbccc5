"""The live chart under %%track: small multiples by kind of metric, single values as numbers."""

from nbops.magics.display import LiveChart


def test_curves_of_one_kind_share_a_panel_and_single_points_are_numbers():
    chart = LiveChart(display=lambda widget: None)
    for step in range(20):
        chart("r", "loss", step, 1.0 / (step + 1))
        chart("r", "val_loss", step, 1.2 / (step + 1))
        chart("r", "accuracy", step, 0.5 + step / 50)
    chart("r", "test_auc", 0, 0.913)
    figure = chart.figure()
    axes = {t["name"]: t["yaxis"] for t in figure["data"]}
    assert axes == {"loss": "y", "val_loss": "y", "accuracy": "y2"}  # loss apart from accuracy
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "loss" and layout["yaxis2"]["title"]["text"] == "accuracy"
    top, bottom = layout["yaxis"]["domain"], layout["yaxis2"]["domain"]
    assert bottom[1] < top[0]  # stacked, not overlapping
    assert "test_auc <b>0.913</b>" in layout["title"]["text"]
    assert "test_auc" not in axes  # no empty legend line


def test_many_kinds_are_capped_to_four_panels():
    chart = LiveChart(display=lambda widget: None)
    for key in ("a", "b", "c", "d", "e", "f"):
        for step in range(3):
            chart("r", key, step, float(step))
    layout = chart.figure()["layout"]
    assert [k for k in layout if k.startswith("yaxis")] == ["yaxis", "yaxis2", "yaxis3", "yaxis4"]
    assert layout["yaxis4"]["title"]["text"] == "other"


def test_single_values_alone_draw_no_chart_until_a_curve_starts():
    shown = []
    chart = LiveChart(display=shown.append)
    chart("r", "auc", 0, 0.9)
    chart.draw()
    assert shown == []  # a title over empty axes; the run summary shows the value
    chart("r", "loss", 0, 1.0)
    chart("r", "loss", 1, 0.5)
    chart.draw()
    assert len(shown) == 1
    assert "auc <b>0.9</b>" in chart.figure()["layout"]["title"]["text"]
