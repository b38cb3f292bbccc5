"""What a tracked cell shows under itself: a live metric chart and a run summary.

The summary is a mime bundle: ``RUN_MIME`` (JSON the nbops Lab extension renders with a
link to the run's detail panel) beside HTML and plain text, which nbconvert, papermill
and viewers without the extension show instead.

The chart is an ipywidgets ``Output`` holding a plotly figure as a plain mime bundle, so
it needs neither plotly's Python package nor anywidget, and redraws at most
``MAX_REDRAWS_PER_SECOND`` times however fast the loop logs.
"""

from __future__ import annotations

import html
import math
import time

PLOTLY_MIME = "application/vnd.plotly.v1+json"
RUN_MIME = "application/vnd.nbops.run+json"
MAX_REDRAWS_PER_SECOND = 4
MAX_POINTS_PER_CURVE = 2_000


class LiveChart:
    """Collects points logged during a cell and redraws a plotly chart, throttled."""

    def __init__(self, display):
        self._display = display
        self._series: dict[str, tuple[list, list]] = {}
        self._widget = None
        self._last_draw = 0.0
        self._dirty = False

    def __call__(self, run_id: str, key: str, step: int, value: float) -> None:
        steps, values = self._series.setdefault(key, ([], []))
        steps.append(step)
        values.append(value if math.isfinite(value) else None)
        self._dirty = True
        if time.monotonic() - self._last_draw >= 1.0 / MAX_REDRAWS_PER_SECOND:
            self.draw()

    def draw(self) -> None:
        if not self._dirty:
            return
        self._last_draw = time.monotonic()  # throttled even while there is nothing to draw
        # Single values get no chart of their own: it would be a title over empty axes, and the
        # run summary under the cell shows them. The chart appears with the first curve.
        if not any(len(steps) > 1 for steps, _ in self._series.values()):
            return
        self._dirty = False
        if self._widget is None:
            import ipywidgets

            self._widget = ipywidgets.Output(layout={"width": "100%"})
            self._display(self._widget)
        self._widget.outputs = (
            {
                "output_type": "display_data",
                "data": {PLOTLY_MIME: self.figure(), "text/plain": self.text()},
                "metadata": {},
            },
        )

    def figure(self) -> dict:
        """Curves in small multiples, one per kind of metric (``loss`` and ``val_loss`` share
        one, ``accuracy`` gets another), so each has a y axis of its own scale; metrics with a
        single point are numbers in the title, not empty legend lines."""
        curves = {k: v for k, v in self._series.items() if len(v[0]) > 1}
        singles = {k: v[1][-1] for k, v in self._series.items() if len(v[0]) == 1}
        panels = _panels(list(curves))
        gap = 0.08
        height = (1 - gap * (len(panels) - 1)) / max(len(panels), 1)
        # Transparent backgrounds and grey grid lines read on light and dark Lab themes alike.
        axis = {"gridcolor": "rgba(128,128,128,0.25)", "zerolinecolor": "rgba(128,128,128,0.4)"}
        layout = {
            "height": 60 + 170 * max(len(panels), 1) + (24 if singles else 0),
            "margin": {"l": 56, "r": 16, "t": 36 if singles else 12, "b": 36},
            "xaxis": {**axis, "title": {"text": "step"}, "anchor": f"y{len(panels) if len(panels) > 1 else ''}"},
            "legend": {"orientation": "h", "y": -0.12 / max(len(panels), 1), "yanchor": "top"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"color": "#888"},
        }
        if singles:
            layout["title"] = {
                "text": "   ".join(f"{k} <b>{_number(v)}</b>" for k, v in singles.items()),
                "x": 0.01,
                "xanchor": "left",
                "font": {"size": 13},
            }
        traces = []
        for i, (title, keys) in enumerate(panels):
            name = "" if i == 0 else str(i + 1)
            top = 1 - i * (height + gap)
            layout[f"yaxis{name}"] = {
                **axis,
                "domain": [max(top - height, 0), top],
                "title": {"text": title, "font": {"size": 11}},
            }
            for key in keys:
                steps, values = curves[key]
                stride = max(1, len(steps) // MAX_POINTS_PER_CURVE)
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": key,
                        "x": steps[::stride],
                        "y": values[::stride],
                        "xaxis": "x",
                        "yaxis": f"y{name}",
                    }
                )
        return {"data": traces, "layout": layout}

    def text(self) -> str:
        return ", ".join(f"{k}: {v[-1]}" for k, (_, v) in self._series.items())


MAX_PANELS = 4
_SPLIT_PREFIXES = ("training_", "train_", "validation_", "valid_", "val_", "test_", "eval_")


def _kind(key: str) -> str:
    """``val_loss`` and ``train/loss`` are both ``loss``: they share a panel and its scale."""
    name = key.rsplit("/", 1)[-1]
    for prefix in _SPLIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _panels(keys: list[str]) -> list[tuple[str, list[str]]]:
    """Curve keys grouped by kind, in first-logged order; past ``MAX_PANELS`` the rest share the last."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(_kind(key), []).append(key)
    panels = list(groups.items())
    if len(panels) > MAX_PANELS:
        rest = [key for _, group in panels[MAX_PANELS - 1 :] for key in group]
        panels = panels[: MAX_PANELS - 1] + [("other", rest)]
    return panels


def summary_bundle(run: dict) -> dict:
    """The summary's mime bundle: the Lab renderer's JSON, HTML and plain text."""
    return {RUN_MIME: summary_data(run), "text/html": summary_html(run), "text/plain": summary_text(run)}


def summary_data(run: dict) -> dict:
    """The fields the Lab renderer shows; NaN and infinities become null (JSON has none)."""
    return {
        "run_id": run["id"],
        "experiment": run["experiment"],
        "name": run.get("name"),
        "status": run["status"],
        "duration": run.get("duration"),
        "params": {k: str(v) for k, v in run["params"].items()},
        "metrics": {k: _finite(v) for k, v in run["metrics"].items()},
    }


def summary_html(run: dict) -> str:
    """A compact card: experiment, run id, status, duration, params and metrics."""
    status = html.escape(run["status"])
    rows = [
        f"<b>{html.escape(run['experiment'])}</b> · run <code>{html.escape(run['id'])}</code>"
        f"{' · ' + html.escape(run['name']) if run.get('name') else ''}"
        f" · <span class='jp-nbops-status jp-nbops-status-{status}'>{status}</span>"
        f" · {_duration(run.get('duration'))}"
    ]
    if run["params"]:
        rows.append(
            "params: "
            + ", ".join(f"{html.escape(k)}=<code>{html.escape(str(v))}</code>" for k, v in run["params"].items())
        )
    if run["metrics"]:
        rows.append("metrics: " + ", ".join(f"{html.escape(k)}=<b>{_number(v)}</b>" for k, v in run["metrics"].items()))
    body = "<br>".join(rows)
    return f"<div class='jp-nbops-summary' data-nbops-run='{html.escape(run['id'])}' style='font-size:12px;line-height:1.6'>{body}</div>"


def summary_text(run: dict) -> str:
    parts = [f"{run['experiment']} run {run['id']} {run['status']} in {_duration(run.get('duration'))}"]
    if run["params"]:
        parts.append("params " + ", ".join(f"{k}={v}" for k, v in run["params"].items()))
    if run["metrics"]:
        parts.append("metrics " + ", ".join(f"{k}={_number(v)}" for k, v in run["metrics"].items()))
    return "; ".join(parts)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _finite(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    return f"{value:.6g}" if isinstance(value, float) else str(value)
