/**
 * A small layered layout for the step DAG: each step sits one layer below the deepest
 * step it depends on; steps of a layer sit side by side in notebook order. Top to
 * bottom, because the panel is a narrow sidebar.
 */
import { IPipelineDag, IPipelineStep } from '../../tokens';

export const BOX_WIDTH = 168;
export const MIN_BOX_WIDTH = 96;
export const MAX_BOX_WIDTH = 220;
export const LINE_HEIGHT = 15;
export const BOX_PADDING = 8;
export const LAYER_GAP = 46;
export const COLUMN_GAP = 16;
export const MARGIN = 8;

/** Box width that fits `columns` boxes side by side into `available` pixels, within bounds. */
export function boxWidth(columns: number, available: number | null): number {
  if (!available) {
    return BOX_WIDTH;
  }
  const fit = (available - MARGIN * 2 - (columns - 1) * COLUMN_GAP) / columns;
  return Math.floor(Math.min(MAX_BOX_WIDTH, Math.max(MIN_BOX_WIDTH, fit)));
}

export interface IBox {
  step: IPipelineStep;
  x: number;
  y: number;
  width: number;
  height: number;
  layer: number;
}

export interface IRoute {
  from: IBox;
  to: IBox;
  label: string;
  kind: 'data' | 'after';
}

export interface ILayout {
  boxes: IBox[];
  routes: IRoute[];
  width: number;
  height: number;
}

/** Lines of text a step box shows below its name: what it reads and what it writes. */
export function boxLines(step: IPipelineStep): string[] {
  const lines: string[] = [];
  const inputs = [...step.inputs.map(i => i.name), ...step.params];
  if (inputs.length) {
    lines.push(`in: ${inputs.join(', ')}`);
  }
  if (step.outputs.length) {
    lines.push(`out: ${step.outputs.join(', ')}`);
  }
  return lines;
}

function layers(dag: IPipelineDag): Map<string, number> {
  const depth = new Map<string, number>();
  // `order` is topological, so every source is placed before its targets.
  for (const name of dag.order) {
    const parents = dag.edges.filter(e => e.to === name).map(e => depth.get(e.from) ?? 0);
    depth.set(name, parents.length ? Math.max(...parents) + 1 : 0);
  }
  return depth;
}

export function layoutDag(dag: IPipelineDag, available: number | null = null): ILayout {
  const depth = layers(dag);
  const byLayer: IPipelineStep[][] = [];
  for (const step of dag.steps) {
    const layer = depth.get(step.name) ?? 0;
    (byLayer[layer] = byLayer[layer] ?? []).push(step);
  }
  const widest = Math.max(1, ...byLayer.map(row => row?.length ?? 0));
  const box = boxWidth(widest, available);
  const width = MARGIN * 2 + widest * box + (widest - 1) * COLUMN_GAP;
  const boxes: IBox[] = [];
  let y = MARGIN;
  byLayer.forEach((row, layer) => {
    if (!row) {
      return;
    }
    const rowWidth = row.length * box + (row.length - 1) * COLUMN_GAP;
    let x = (width - rowWidth) / 2;
    const heights = row.map(s => BOX_PADDING * 2 + LINE_HEIGHT * (1 + boxLines(s).length));
    const rowHeight = Math.max(...heights);
    row.forEach((step, i) => {
      boxes.push({ step, x, y, width: box, height: heights[i], layer });
      x += box + COLUMN_GAP;
    });
    y += rowHeight + LAYER_GAP;
  });
  const find = (name: string) => boxes.find(b => b.step.name === name);
  const routes: IRoute[] = [];
  for (const edge of dag.edges) {
    const from = find(edge.from);
    const to = find(edge.to);
    if (from && to) {
      routes.push({
        from,
        to,
        kind: edge.kind,
        label: edge.kind === 'after' ? 'after' : edge.names.join(', ')
      });
    }
  }
  return { boxes, routes, width, height: Math.max(y - LAYER_GAP + MARGIN, MARGIN * 2) };
}
