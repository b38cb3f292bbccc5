/**
 * Renders the `%%track` summary (`application/vnd.nbops.run+json`) like its HTML
 * fallback, with the run id as a link that opens the run's detail panel.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { IRunSummary } from '../../tokens';
import { formatDuration, formatMetric } from '../format';

export const RUN_MIME_TYPE = 'application/vnd.nbops.run+json';

export class RunSummaryRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private _openRun: (runId: string) => void) {
    super();
    this.addClass('jp-nbops-RunSummary');
    // The HTML fallback's class, so selectors written for it find either rendering.
    this.addClass('jp-nbops-summary');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const summary = model.data[RUN_MIME_TYPE] as unknown as IRunSummary;
    this.node.replaceChildren(...this._lines(summary));
    this.node.dataset.nbopsRun = summary.run_id;
    return Promise.resolve();
  }

  private _lines(summary: IRunSummary): HTMLElement[] {
    const head = el('div');
    head.append(el('b', summary.experiment), ' · run ');
    const link = el('button', summary.run_id) as HTMLButtonElement;
    link.className = 'jp-nbops-RunSummary-link';
    link.title = 'Open the run detail panel';
    link.setAttribute('aria-label', `Open run ${summary.run_id}`);
    link.style.fontFamily = 'var(--jp-code-font-family)';
    link.addEventListener('click', () => this._openRun(summary.run_id));
    head.append(link);
    if (summary.name) {
      head.append(` · ${summary.name}`);
    }
    const status = el('span', summary.status);
    status.className = `jp-nbops-StatusBadge jp-mod-${summary.status}`;
    head.append(' · ', status, ` · ${formatDuration(summary.duration)}`);
    const lines = [head];
    const params = Object.entries(summary.params ?? {});
    if (params.length) {
      const line = el('div', 'params: ');
      params.forEach(([key, value], i) => {
        line.append(i ? ', ' : '', `${key}=`, el('code', value));
      });
      lines.push(line);
    }
    const metrics = Object.entries(summary.metrics ?? {});
    if (metrics.length) {
      const line = el('div', 'metrics: ');
      metrics.forEach(([key, value], i) => {
        line.append(i ? ', ' : '', `${key}=`, el('b', formatMetric(value)));
      });
      lines.push(line);
    }
    return lines;
  }
}

function el(tag: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}
