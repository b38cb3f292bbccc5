/**
 * Role chips on the code cells of one notebook ("step: train", "parameters", "skip"…),
 * plus a red chip with the codes of the error diagnostics anchored to the cell.
 * Re-rendered when a cell's tags change or new diagnostics arrive.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { PanelLayout, Widget } from '@lumino/widgets';

import { IPipelineDiagnostic } from '../../tokens';
import { readRole, roleLabel } from './tags';

export type CellErrors = () => Map<string, IPipelineDiagnostic[]>;

export function cellTags(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
}

class CellBadge extends Widget {
  constructor() {
    super();
    this.addClass('jp-nbops-CellBadges');
  }

  render(tags: string[], errors: IPipelineDiagnostic[]): void {
    const info = readRole(tags);
    const label = roleLabel(info);
    this.node.replaceChildren();
    if (label) {
      const chip = document.createElement('span');
      chip.className = `jp-nbops-RoleChip jp-mod-${info.role}`;
      chip.textContent = label;
      chip.title = `productionize role (tags: ${tags.join(', ')})`;
      this.node.appendChild(chip);
    }
    if (errors.length) {
      const chip = document.createElement('span');
      chip.className = 'jp-nbops-RoleChip jp-mod-error';
      chip.textContent = [...new Set(errors.map(e => e.code))].join(' ');
      chip.title = errors.map(e => `${e.code}: ${e.message}`).join('\n');
      this.node.appendChild(chip);
    }
    this.setHidden(!label && !errors.length);
  }
}

export class NotebookBadges implements IDisposable {
  constructor(
    private _panel: NotebookPanel,
    private _errors: CellErrors,
    private _onTagsChanged: () => void
  ) {
    const notebook = _panel.content;
    notebook.model?.cells.changed.connect(this._attachAll, this);
    notebook.modelChanged.connect(this._attachAll, this);
    this._attachAll();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Re-render every chip, e.g. when diagnostics changed. */
  refresh(): void {
    for (const cell of this._panel.content.widgets) {
      this._render(cell);
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const cell of this._panel.content.widgets) {
      cell.model.metadataChanged.disconnect(this._onMetadata, this);
      this._badges.get(cell)?.dispose();
    }
  }

  private _attachAll(): void {
    for (const cell of this._panel.content.widgets) {
      if (!this._badges.has(cell) && !cell.isDisposed) {
        const badge = new CellBadge();
        const layout = cell.layout as PanelLayout;
        // Above the input, so the chip sits over the prompt and never covers code.
        const input = layout.widgets.indexOf(cell.inputArea?.parent as Widget);
        layout.insertWidget(Math.max(0, input), badge);
        this._badges.set(cell, badge);
        cell.model.metadataChanged.connect(this._onMetadata, this);
      }
      this._render(cell);
    }
  }

  private _onMetadata(model: ICellModel): void {
    const cell = this._panel.content.widgets.find(c => c.model === model);
    if (cell) {
      this._render(cell);
    }
    this._onTagsChanged();
  }

  private _render(cell: Cell): void {
    const badge = this._badges.get(cell);
    if (!badge) {
      return;
    }
    const code = cell.model.type === 'code';
    const errors = code && cell.model.id ? (this._errors().get(cell.model.id) ?? []) : [];
    badge.render(code ? cellTags(cell.model) : [], errors);
  }

  private _badges = new WeakMap<Cell, CellBadge>();
  private _disposed = false;
}
