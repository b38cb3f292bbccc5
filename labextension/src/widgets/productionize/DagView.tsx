/**
 * The step DAG as SVG: boxes with what each step reads and writes, edges labelled with
 * the variables one step hands to the next. Edges that skip a layer bend round the right.
 */
import * as React from 'react';

import { IPipelineDag } from '../../tokens';
import { BOX_PADDING, boxLines, IBox, IRoute, layoutDag, LINE_HEIGHT } from './layout';

const CHAR_WIDTH = 6.2; // of the 11px UI font, to truncate and to size label backgrounds
const SKIP_BEND = 34;

function truncate(text: string, width: number): string {
  const max = Math.floor(width / CHAR_WIDTH);
  return text.length <= max ? text : text.slice(0, Math.max(1, max - 1)) + '…';
}

function Box(props: { box: IBox; onSelect?: (cellId: string) => void }): JSX.Element {
  const { box, onSelect } = props;
  const inner = box.width - BOX_PADDING * 2;
  const lines = boxLines(box.step);
  const firstCell = box.step.cells[0]?.id;
  const cells = box.step.cells.map(c => c.index).join(', ');
  return (
    <g
      className="jp-nbops-DagBox"
      data-step={box.step.name}
      transform={`translate(${box.x},${box.y})`}
      onClick={() => firstCell && onSelect?.(firstCell)}
      role="button"
      aria-label={`Step ${box.step.name}`}
    >
      <title>
        {`step ${box.step.name} (cells ${cells})\n${lines.join('\n')}\nclick to go to its first cell`}
      </title>
      <rect width={box.width} height={box.height} rx={4} />
      <text x={BOX_PADDING} y={BOX_PADDING + 11} className="jp-nbops-DagBox-name">
        {truncate(box.step.name, inner)}
      </text>
      {lines.map((line, i) => (
        <text
          key={i}
          x={BOX_PADDING}
          y={BOX_PADDING + 11 + LINE_HEIGHT * (i + 1)}
          className="jp-nbops-DagBox-io"
        >
          {truncate(line, inner)}
        </text>
      ))}
    </g>
  );
}

function routePath(route: IRoute): { d: string; labelX: number; labelY: number } {
  const { from, to } = route;
  const span = to.layer - from.layer;
  if (span > 1 && from.x === to.x) {
    const x1 = from.x + from.width;
    const y1 = from.y + from.height / 2;
    const y2 = to.y + to.height / 2;
    const bend = x1 + SKIP_BEND;
    return {
      d: `M${x1},${y1} C${bend},${y1} ${bend},${y2} ${x1 + 2},${y2}`,
      labelX: bend - 4,
      labelY: (y1 + y2) / 2
    };
  }
  const x1 = from.x + from.width / 2;
  const y1 = from.y + from.height;
  const x2 = to.x + to.width / 2;
  const y2 = to.y - 2;
  const mid = (y1 + y2) / 2;
  return {
    d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`,
    labelX: (x1 + x2) / 2,
    labelY: mid
  };
}

function Route(props: { route: IRoute }): JSX.Element {
  const { route } = props;
  const { d, labelX, labelY } = routePath(route);
  const label = truncate(route.label, 150);
  const width = label.length * CHAR_WIDTH + 8;
  return (
    <g
      className={`jp-nbops-DagEdge jp-nbops-DagEdge-${route.kind}`}
      data-edge={`${route.from.step.name}->${route.to.step.name}`}
    >
      <title>{`${route.from.step.name} → ${route.to.step.name}: ${route.label}`}</title>
      <path d={d} markerEnd="url(#jp-nbops-dag-arrow)" />
      {label && (
        <>
          <rect x={labelX - width / 2} y={labelY - 8} width={width} height={15} rx={3} />
          <text x={labelX} y={labelY + 3} textAnchor="middle">
            {label}
          </text>
        </>
      )}
    </g>
  );
}

/** The width of the element `ref` points at, following resizes of the sidebar. */
function useWidth(ref: React.RefObject<HTMLElement>): number | null {
  const [width, setWidth] = React.useState<number | null>(null);
  React.useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() => setWidth(node.clientWidth || null));
    observer.observe(node);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function DagView(props: {
  dag: IPipelineDag;
  onSelectCell?: (cellId: string) => void;
}): JSX.Element {
  const scroller = React.useRef<HTMLDivElement>(null);
  const available = useWidth(scroller);
  let layout = layoutDag(props.dag, available);
  const bends = layout.routes.some(r => r.to.layer - r.from.layer > 1);
  if (bends && available !== null) {
    // Leave room on the right for the edges that bend round a layer.
    layout = layoutDag(props.dag, available - SKIP_BEND - 40);
  }
  const width = layout.width + (bends ? SKIP_BEND + 40 : 0);
  return (
    <div className="jp-nbops-Dag-scroller" ref={scroller}>
      <svg
        className="jp-nbops-Dag"
        role="img"
        aria-label={`Pipeline DAG: ${props.dag.order.join(', ')}`}
        viewBox={`0 0 ${width} ${layout.height}`}
        width={width}
        height={layout.height}
      >
        <defs>
          <marker
            id="jp-nbops-dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" className="jp-nbops-DagArrow" />
          </marker>
        </defs>
        {layout.routes.map(route => (
          <Route
            key={`${route.from.step.name}-${route.to.step.name}-${route.kind}`}
            route={route}
          />
        ))}
        {layout.boxes.map(box => (
          <Box key={box.step.name} box={box} onSelect={props.onSelectCell} />
        ))}
      </svg>
    </div>
  );
}
