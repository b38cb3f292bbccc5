/**
 * One feature's statistic over the windows, with the warn and drift bands
 * shaded and a dashed marker where a model version was registered.
 */
import type { Annotation, Data, Layout, Shape } from 'plotly.js-dist-min';
import * as React from 'react';

import { IDriftWindowsResponse } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, IPlotTheme } from '../plot/theme';
import { longStatistic, shortStatistic, tickIndices } from './format';
import { DRIFT_CONFIG, driftLayout } from './layout';

export interface ITimelineProps {
  data: IDriftWindowsResponse;
  feature: string;
  statistic: string;
  selectedWindow: number;
  colors: IPlotTheme;
}

export function Timeline(props: ITimelineProps): JSX.Element {
  const { data, feature, statistic, selectedWindow, colors } = props;
  const figure = React.useMemo(
    () => timelineFigure(data, feature, statistic, selectedWindow, colors),
    [data, feature, statistic, selectedWindow, colors]
  );
  return (
    <PlotlyChart
      data={figure.data}
      layout={figure.layout}
      label={`Timeline of ${shortStatistic(statistic)} for ${feature}`}
      className="jp-nbops-DriftChart jp-nbops-DriftTimeline"
      config={DRIFT_CONFIG}
    />
  );
}

/** Which statistic's thresholds shade the band: the decision's own for `effect`. */
function bandsFor(data: IDriftWindowsResponse, feature: string, statistic: string, at: number) {
  const series = data.features.find(f => f.feature === feature);
  const name = statistic === 'effect' ? (series?.statistic[at] ?? null) : statistic;
  return name ? (data.thresholds[name] ?? null) : null;
}

export function timelineFigure(
  data: IDriftWindowsResponse,
  feature: string,
  statistic: string,
  selectedWindow: number,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const series = data.features.find(f => f.feature === feature);
  const values = series?.values[statistic] ?? [];
  const xs = data.windows.map((_, i) => i);
  const labels = data.windows.map(w => w.window);
  const tierColor = (i: number) => {
    const tier = series?.tier[i];
    return tier === 'drift' ? colors.error : tier === 'warn' ? colors.warn : colors.ok;
  };
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const bands = bandsFor(data, feature, statistic, selectedWindow);
  const top = Math.max(...finite, bands ? bands.drift * 1.5 : 0, 1e-6) * 1.1;

  const shapes: Partial<Shape>[] = [];
  const annotations: Partial<Annotation>[] = [];
  if (bands) {
    shapes.push(
      band(bands.warn, bands.drift, colors.warn, 0.14),
      band(bands.drift, top, colors.error, 0.07)
    );
  }
  for (const marker of versionMarkers(data)) {
    shapes.push({
      type: 'line',
      xref: 'x',
      yref: 'paper',
      x0: marker.x,
      x1: marker.x,
      y0: 0,
      y1: 1,
      line: { color: colors.mutedColor, width: 1, dash: 'dash' }
    });
    if (marker.row !== null) {
      annotations.push({
        x: marker.x,
        y: 1 - marker.row * MARKER_ROW,
        xref: 'x',
        yref: 'paper',
        text: marker.text,
        hovertext: marker.title,
        showarrow: false,
        xanchor: marker.anchor,
        yanchor: 'top',
        bgcolor: colors.background,
        font: { size: 10, color: colors.mutedColor }
      });
    }
  }
  shapes.push({
    type: 'rect',
    xref: 'x',
    yref: 'paper',
    x0: selectedWindow - 0.5,
    x1: selectedWindow + 0.5,
    y0: 0,
    y1: 1,
    fillcolor: colors.palette[0],
    opacity: 0.08,
    line: { width: 0 },
    layer: 'below'
  });

  const base = driftLayout(colors);
  const ticks = tickIndices(labels, CHART_WIDTH_PX);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: longStatistic(statistic),
        x: xs,
        y: values.map(v => (v === null ? NaN : v)),
        text: labels,
        hovertemplate: `%{text}: %{y:.4g}<extra>${feature}</extra>`,
        line: { color: colors.palette[0], width: 2 },
        marker: { size: 7, color: xs.map(tierColor), line: { width: 1, color: colors.background } },
        connectgaps: false
      }
    ],
    layout: {
      ...base,
      showlegend: false,
      margin: { l: 48, r: 12, t: 18, b: 36 },
      xaxis: {
        ...base.xaxis,
        tickvals: ticks,
        ticktext: ticks.map(i => labels[i]),
        tickangle: 0,
        range: [-0.6, Math.max(xs.length - 0.4, 0.6)],
        zeroline: false
      },
      yaxis: {
        ...base.yaxis,
        range: [0, top],
        title: axisTitle(colors, shortStatistic(statistic), 11)
      },
      shapes,
      annotations
    }
  };
}

/** Rows of marker labels (paper fraction each) and the chart width they are laid out for. */
const MARKER_ROW = 0.11;
const MARKER_ROWS = 3;
const CHART_WIDTH_PX = 480;
const CHAR_PX = 6;

export interface IVersionMarker {
  x: number;
  text: string;
  /** Every version at this position, for the hover text. */
  title: string;
  /** Label row (0 = top), null when no row had room: the line is drawn unlabelled. */
  row: number | null;
  /** Labels in the right half extend leftwards, so they stay inside the chart. */
  anchor: 'left' | 'right';
}

/**
 * Model-version markers: a dashed line just before the first window after the
 * version (by the time the window's label names, else when it was checked).
 * Versions at the same place share one label ("churn v2–v4"); labels that
 * would overlap go to the next of three rows, and are left out past that.
 */
export function versionMarkers(data: IDriftWindowsResponse): IVersionMarker[] {
  const wins = data.windows;
  const timed = wins.length > 0 && wins.every(w => typeof w.starts_at === 'number');
  const at = (w: (typeof wins)[number]) => (timed ? (w.starts_at as number) : w.created_at);
  const groups = new Map<number, typeof data.model_versions>();
  for (const version of data.model_versions) {
    const after = wins.findIndex(w => at(w) >= version.created_at);
    const x = after === -1 ? wins.length - 0.5 : after - 0.5;
    groups.set(x, [...(groups.get(x) ?? []), version]);
  }
  const pxPerX = CHART_WIDTH_PX / Math.max(wins.length, 1);
  const rows: [number, number][][] = Array.from({ length: MARKER_ROWS }, () => []);
  const markers: IVersionMarker[] = [];
  for (const x of [...groups.keys()].sort((a, b) => a - b)) {
    const versions = groups.get(x)!;
    const text = markerText(versions);
    const anchor = x > (wins.length - 1) / 2 ? 'right' : 'left';
    const width = text.length * CHAR_PX + 8;
    const span: [number, number] =
      anchor === 'left' ? [x * pxPerX, x * pxPerX + width] : [x * pxPerX - width, x * pxPerX];
    const row = rows.findIndex(taken => taken.every(([a, b]) => span[1] <= a || span[0] >= b));
    if (row !== -1) {
      rows[row].push(span);
    }
    const title = versions
      .map(v => `${v.model} v${v.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}`)
      .join('<br>');
    markers.push({ x, text, title, row: row === -1 ? null : row, anchor });
  }
  return markers;
}

function markerText(versions: IDriftWindowsResponse['model_versions']): string {
  const first = versions[0];
  const last = versions[versions.length - 1];
  const aliases = versions.flatMap(v => v.aliases);
  const alias = aliases.length ? ` ${[...new Set(aliases)].join(', ')}` : '';
  const sameModel = versions.every(v => v.model === first.model);
  if (versions.length === 1) {
    return `${first.model} v${first.version}${alias}`;
  }
  return sameModel
    ? `${first.model} v${first.version}–v${last.version}${alias}`
    : `${versions.length} versions${alias}`;
}

function band(y0: number, y1: number, color: string, opacity: number): Partial<Shape> {
  return {
    type: 'rect',
    xref: 'paper',
    yref: 'y',
    x0: 0,
    x1: 1,
    y0,
    y1,
    fillcolor: color,
    opacity,
    line: { width: 0 },
    layer: 'below'
  };
}
