"""The result of a drift check: a summary, a per-feature table, and figures."""

from __future__ import annotations

from typing import Any

import numpy as np

from nbops.drift.overlay import overlay
from nbops.drift.reference import Sketch
from nbops.errors import InvalidValueError

# statistic -> the column of the per-feature table that holds its p-value
P_VALUES = {"ks": "ks_p", "chi_square": "chi_square_p", "missing_rate_change": "missing_rate_p"}
TIER_COLOURS = {"ok": "#2e7d32", "warn": "#f9a825", "drift": "#c62828"}


class DriftReport:
    """Drift of one window against a reference.

    ``summary``: dict (drifted features, share, dataset_drift, policy, rows).
    ``table``: one row per feature (a pandas DataFrame when pandas is installed,
    else a list of dicts). ``statistics``: tidy rows, one per feature and statistic.
    ``figure(feature=None)``: plotly figure of all features, or one feature's overlay.
    """

    def __init__(self, scored: dict, reference: Sketch, window: Sketch, *, window_label: str | None = None):
        self.summary: dict[str, Any] = dict(scored["summary"], window=window_label)
        self.features: list[dict[str, Any]] = scored["features"]
        self.reference = reference
        self.window = window

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<DriftReport {s['n_drifted']}/{s['features']} features drifted"
            f"{' (dataset drift)' if s['dataset_drift'] else ''}, policy={s['policy']}>"
        )

    def __getitem__(self, feature: str) -> dict[str, Any]:
        for row in self.features:
            if row["feature"] == feature:
                return row
        raise InvalidValueError(f"no feature {feature!r} in this report; features are {self.feature_names}")

    @property
    def feature_names(self) -> list[str]:
        return [f["feature"] for f in self.features]

    @property
    def drifted(self) -> list[str]:
        return list(self.summary["drifted"])

    @property
    def table(self):
        try:
            import pandas as pd
        except ImportError:
            return [dict(r) for r in self.features]
        return pd.DataFrame(self.features)

    @property
    def statistics(self) -> list[dict[str, Any]]:
        """Tidy rows: feature, statistic, value, p_value, p_adjusted, tier."""
        out = []
        for row in self.features:
            for stat in (
                "ks",
                "wasserstein",
                "psi",
                "jensen_shannon",
                "chi_square",
                "missing_rate_change",
                "out_of_range_share",
                "unseen_share",
                "domain_auc",
            ):
                if row.get(stat) is None:
                    continue
                p_key = P_VALUES.get(stat)
                decisive = stat == row["test"]
                out.append(
                    {
                        "feature": row["feature"],
                        "statistic": stat,
                        "value": row[stat],
                        "p_value": row[p_key] if p_key else None,
                        "p_adjusted": row["p_adjusted"]
                        if decisive
                        else (row["missing_rate_p_adjusted"] if stat == "missing_rate_change" else None),
                        "tier": row["tier"],
                    }
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "features": self.features}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{r['feature']}</td><td style='color:{TIER_COLOURS[r['tier']]}'>{r['tier']}</td>"
            f"<td>{r['statistic']}</td><td>{_fmt(r['effect'])}</td><td>{_fmt(r['p_adjusted'])}</td>"
            f"<td>{r['note']}</td></tr>"
            for r in self.features
        )
        s = self.summary
        return (
            f"<p><b>{s['n_drifted']} of {s['features']} features drifted</b> "
            f"(share {s['share_drifted']:.2f}; dataset drift: {s['dataset_drift']})</p>"
            "<table><tr><th>feature</th><th>tier</th><th>statistic</th><th>effect</th>"
            f"<th>p adj.</th><th>note</th></tr>{rows}</table>"
        )

    def figure(self, feature: str | None = None):
        """Plotly figure: effect per feature by tier, or one feature's reference vs current."""
        import plotly.graph_objects as go

        if feature is None:
            rows = sorted(self.features, key=lambda r: -(r["effect"] or 0.0))
            fig = go.Figure(
                go.Bar(
                    x=[r["feature"] for r in rows],
                    y=[r["effect"] or 0.0 for r in rows],
                    marker_color=[TIER_COLOURS[r["tier"]] for r in rows],
                    customdata=[[r["statistic"], r["tier"]] for r in rows],
                    hovertemplate="%{x}: %{customdata[0]}=%{y:.3f} (%{customdata[1]})<extra></extra>",
                )
            )
            fig.update_layout(title="Drift per feature", yaxis_title="effect size")
            return _theme_neutral(fig)
        row = self[feature]
        data = overlay(self.reference, self.window, feature)
        title = f"{feature}: {row['statistic']}={_fmt(row['effect'])} ({row['tier']})"
        if "edges" in data:
            return _theme_neutral(_numeric_figure(go, data, title))
        if "terms" in data:
            terms = data["terms"][::-1]  # largest weight on top
            fig = go.Figure(
                [
                    go.Bar(
                        name=side, y=[t["term"] for t in terms], x=[t[f"{side}_share"] for t in terms], orientation="h"
                    )
                    for side in ("reference", "current")
                ]
            )
            fig.update_layout(barmode="group", xaxis_title="share of documents", title=title)
            return _theme_neutral(fig)
        fig = go.Figure([go.Bar(name=side, x=data["labels"], y=data[side]) for side in ("reference", "current")])
        fig.update_layout(barmode="group", yaxis_title="share", title=title)
        return _theme_neutral(fig)


def _theme_neutral(fig):
    """Transparent backgrounds, mid-grey text and faint grid lines: the figure reads on Lab's
    light and dark themes alike (plotly's default template paints a white card)."""
    grey, grid = "#8a8a8a", "rgba(128,128,128,0.25)"
    fig.update_layout(
        template="none",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font_color=grey,
        legend_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(gridcolor=grid, zerolinecolor=grid, linecolor=grid)
    fig.update_yaxes(gridcolor=grid, zerolinecolor=grid, linecolor=grid)
    return fig


def _numeric_figure(go, data: dict, title: str):
    edges = np.asarray(data["edges"])
    left, right = edges[:-1], edges[1:]
    width = np.where(right > left, right - left, np.nan)
    fig = go.Figure()
    for side in ("reference", "current"):
        density = np.nan_to_num(np.asarray(data[side]) / width)
        fig.add_trace(
            go.Scatter(x=np.stack([left, right], 1).ravel(), y=np.repeat(density, 2), mode="lines", name=side)
        )
    if data["ks_gap"]["x"] is not None:
        fig.add_vline(x=data["ks_gap"]["x"], line_dash="dot", annotation_text=f"KS gap {data['ks_gap']['gap']:.3f}")
    fig.update_layout(title=title, xaxis_title=data["feature"], yaxis_title="density")
    return fig


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3g}"
