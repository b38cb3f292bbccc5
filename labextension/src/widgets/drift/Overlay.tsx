/**
 * Reference vs current distribution of one feature in one window, drawn from
 * the stored sketches: a histogram (or ECDF) with the KS gap for numbers,
 * bars sorted by change with unseen values highlighted for categories, and the
 * terms that tell the window's documents from the reference's for text.
 */
import type { Data, Layout } from 'plotly.js-dist-min';
import * as React from 'react';

import { IDriftOverlay } from '../../tokens';
import { PlotlyChart } from '../plot/PlotlyChart';
import { axisTitle, IPlotTheme } from '../plot/theme';
import { formatValue } from './format';
import { DRIFT_CONFIG, driftLayout } from './layout';

export type OverlayMode = 'histogram' | 'ecdf';

/** A term of a text column's overlay (weight > 0: typical of the window). */
export interface IDriftTerm {
  term: string;
  weight: number;
  reference_share: number;
  current_share: number;
}

/** Text and embedding columns add their distinguishing terms and sample sizes. */
export type IOverlay = IDriftOverlay & { terms?: IDriftTerm[]; documents?: number[] };

export interface IOverlayProps {
  overlay: IOverlay;
  mode: OverlayMode;
  colors: IPlotTheme;
}

/** Categories shown; the rest are summed into one bar. */
const MAX_BARS = 30;

export function Overlay(props: IOverlayProps): JSX.Element {
  const { overlay, mode, colors } = props;
  const figure = React.useMemo(
    () =>
      overlay.terms
        ? termsFigure(overlay, colors)
        : overlay.labels
          ? categoricalFigure(overlay, colors)
          : mode === 'ecdf'
            ? ecdfFigure(overlay, colors)
            : histogramFigure(overlay, colors),
    [overlay, mode, colors]
  );
  if (overlay.terms && overlay.terms.length === 0) {
    return (
      <div className="jp-nbops-DriftMessage" data-id="drift-overlay-no-terms">
        {overlay.kind === 'embedding'
          ? 'An embedding column has no terms: its verdict is the domain classifier on the vectors.'
          : 'Too few documents on one side to name distinguishing terms.'}
      </div>
    );
  }
  const kind = overlay.terms ? 'terms' : overlay.labels ? 'bars' : mode;
  return (
    <PlotlyChart
      data={figure.data}
      layout={figure.layout}
      label={`Reference vs current ${kind} of ${overlay.feature}`}
      className={`jp-nbops-DriftChart jp-nbops-DriftOverlay jp-mod-${kind}`}
      config={DRIFT_CONFIG}
    />
  );
}

function numbers(values: (number | null)[] | undefined): number[] {
  return (values ?? []).map(v => (v === null ? NaN : v));
}

/** Bars drawn for a numeric feature: fewer than the 100 grid bins, so a window of a few
 * hundred rows is not drawn as noise. */
const HISTOGRAM_BARS = 20;

/**
 * Merge adjacent inner bins of the reference grid (sums of shares stay exact);
 * the two open outer bins stay on their own.
 */
export function coarsen(
  edges: number[],
  reference: number[],
  current: number[]
): { edges: number[]; reference: number[]; current: number[] } {
  const n = reference.length;
  const k = Math.max(1, Math.round((n - 2) / HISTOGRAM_BARS));
  if (k === 1 || n < 4) {
    return { edges, reference, current };
  }
  const out = { edges: [edges[0], edges[1]], reference: [reference[0]], current: [current[0]] };
  for (let i = 1; i < n - 1; i += k) {
    const end = Math.min(i + k, n - 1);
    let r = 0;
    let c = 0;
    for (let j = i; j < end; j++) {
      r += reference[j];
      c += current[j];
    }
    out.reference.push(r);
    out.current.push(c);
    out.edges.push(edges[end]);
  }
  out.reference.push(reference[n - 1]);
  out.current.push(current[n - 1]);
  out.edges.push(edges[n]);
  return out;
}

/** Bin edges and shares as densities: quantile bins have unequal widths. */
export function histogramFigure(
  overlay: IDriftOverlay,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const { edges, reference, current } = coarsen(
    numbers(overlay.edges),
    numbers(overlay.reference),
    numbers(overlay.current)
  );
  const centers: number[] = [];
  const widths: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    centers.push((edges[i] + edges[i + 1]) / 2);
    widths.push(Math.max(edges[i + 1] - edges[i], 0));
  }
  const density = (shares: number[]) =>
    shares.map((share, i) => (widths[i] > 0 ? share / widths[i] : 0));
  const bars = (name: string, shares: number[], color: string): Data => ({
    type: 'bar',
    name,
    x: centers,
    y: density(shares),
    width: widths,
    customdata: shares.map(s => (s * 100).toFixed(2)),
    hovertemplate: `%{customdata}% of ${name.toLowerCase()} near %{x:.4g}<extra></extra>`,
    marker: { color, opacity: 0.55, line: { width: 0 } }
  });
  const base = driftLayout(colors);
  const layout: Partial<Layout> = {
    ...base,
    barmode: 'overlay',
    bargap: 0,
    yaxis: { ...base.yaxis, title: axisTitle(colors, 'density', 11) },
    xaxis: { ...base.xaxis, title: axisTitle(colors, overlay.feature, 11) },
    ...ksMarker(overlay, colors, 'paper')
  };
  return {
    data: [
      bars('Reference', reference, colors.faintColor),
      bars('Current', current, colors.palette[0])
    ],
    layout
  };
}

export function ecdfFigure(
  overlay: IDriftOverlay,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const edges = numbers(overlay.edges);
  const line = (name: string, ecdf: number[], color: string): Data => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x: [edges[0], ...edges.slice(1)],
    y: [0, ...ecdf],
    // linear between the grid's edges: the ECDF is known exactly only there
    line: { color, width: 2, shape: 'linear' },
    hovertemplate: `${name}: %{y:.3f} ≤ %{x:.4g}<extra></extra>`
  });
  const ref = numbers(overlay.ecdf_reference);
  const cur = numbers(overlay.ecdf_current);
  const data: Data[] = [
    line('Reference', ref, colors.faintColor),
    line('Current', cur, colors.palette[0])
  ];
  const gapX = overlay.ks_gap?.x ?? null;
  const at = gapX === null ? -1 : edges.findIndex(e => e === gapX) - 1;
  if (at >= 0 && at < ref.length) {
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: `KS gap ${formatValue(overlay.ks_gap?.gap)}`,
      x: [gapX, gapX],
      y: [ref[at], cur[at]],
      line: { color: colors.error, width: 3 },
      marker: { size: 6, color: colors.error },
      hoverinfo: 'name'
    });
  }
  const base = driftLayout(colors);
  return {
    data,
    layout: {
      ...base,
      yaxis: { ...base.yaxis, range: [0, 1.02], title: axisTitle(colors, 'share ≤ x', 11) },
      xaxis: { ...base.xaxis, title: axisTitle(colors, overlay.feature, 11) }
    }
  };
}

/** A vertical line where the two ECDFs differ most, labelled with the gap. */
function ksMarker(overlay: IDriftOverlay, colors: IPlotTheme, yref: 'paper'): Partial<Layout> {
  const x = overlay.ks_gap?.x;
  if (x === null || x === undefined) {
    return {};
  }
  return {
    shapes: [
      {
        type: 'line',
        xref: 'x',
        yref,
        x0: x,
        x1: x,
        y0: 0,
        y1: 1,
        line: { color: colors.error, width: 2, dash: 'dot' }
      }
    ],
    annotations: [
      {
        x,
        y: 1,
        xref: 'x',
        yref,
        text: `KS gap ${formatValue(overlay.ks_gap?.gap)}`,
        showarrow: false,
        xanchor: 'left',
        yanchor: 'top',
        xshift: 4,
        font: { size: 10, color: colors.error }
      }
    ]
  };
}

export function categoricalFigure(
  overlay: IDriftOverlay,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  let labels = overlay.labels ?? [];
  let ref = numbers(overlay.reference);
  let cur = numbers(overlay.current);
  if (labels.length > MAX_BARS) {
    const rest = (xs: number[]) => xs.slice(MAX_BARS - 1).reduce((a, b) => a + b, 0);
    labels = [...labels.slice(0, MAX_BARS - 1), `${labels.length - MAX_BARS + 1} more`];
    ref = [...ref.slice(0, MAX_BARS - 1), rest(ref)];
    cur = [...cur.slice(0, MAX_BARS - 1), rest(cur)];
  }
  // Unseen values get their own trace (same bar slot) so the legend names them.
  const isUnseen = labels.map(label => label === '(unseen)');
  const bars = (
    name: string,
    group: string,
    shares: number[],
    keep: (i: number) => boolean,
    color: string
  ): Data => ({
    type: 'bar',
    name,
    offsetgroup: group,
    x: labels.filter((_, i) => keep(i)),
    y: shares.filter((_, i) => keep(i)),
    marker: { color, line: { width: 0 } },
    hovertemplate: `${name}: %{y:.1%}<extra>%{x}</extra>`
  });
  const data: Data[] = [
    bars('Reference', 'reference', ref, () => true, colors.faintColor),
    bars('Current', 'current', cur, i => !isUnseen[i], colors.palette[0])
  ];
  if (isUnseen.some(Boolean)) {
    data.push(bars('Unseen in reference', 'current', cur, i => isUnseen[i], colors.error));
  }
  const base = driftLayout(colors);
  return {
    data,
    layout: {
      ...base,
      barmode: 'group',
      bargap: 0.25,
      yaxis: { ...base.yaxis, tickformat: '.0%', title: axisTitle(colors, 'share', 11) },
      xaxis: {
        ...base.xaxis,
        type: 'category',
        automargin: true,
        categoryorder: 'array',
        categoryarray: labels
      }
    }
  };
}

/**
 * The distinguishing terms of a text column, strongest on top: for each, the share of
 * reference and of current documents containing it; the hover gives the weight and the side
 * it is typical of.
 */
export function termsFigure(
  overlay: IOverlay,
  colors: IPlotTheme
): { data: Data[]; layout: Partial<Layout> } {
  const terms = [...(overlay.terms ?? [])].reverse(); // plotly draws the first category at the bottom
  const labels = terms.map(t => t.term);
  const typical = terms.map(t => (t.weight > 0 ? 'the current window' : 'the reference'));
  const bars = (name: string, shares: number[], color: string): Data => ({
    type: 'bar',
    orientation: 'h',
    name,
    y: labels,
    x: shares,
    customdata: terms.map((t, i) => [formatValue(t.weight), typical[i]]),
    marker: { color, line: { width: 0 } },
    hovertemplate:
      `${name}: %{x:.1%} of documents contain “%{y}”` +
      '<br>weight %{customdata[0]}, typical of %{customdata[1]}<extra></extra>'
  });
  const base = driftLayout(colors);
  return {
    data: [
      bars(
        'Reference',
        terms.map(t => t.reference_share),
        colors.faintColor
      ),
      bars(
        'Current',
        terms.map(t => t.current_share),
        colors.palette[0]
      )
    ],
    layout: {
      ...base,
      barmode: 'group',
      bargap: 0.3,
      xaxis: {
        ...base.xaxis,
        tickformat: '.0%',
        title: axisTitle(colors, 'share of documents containing the term', 11)
      },
      yaxis: {
        ...base.yaxis,
        type: 'category',
        automargin: true,
        categoryorder: 'array',
        categoryarray: labels
      }
    }
  };
}
