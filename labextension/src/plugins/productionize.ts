/**
 * Productionize in Lab: cell role commands (cell toolbar, context menu, palette), role
 * badges on cells, the Pipeline sidebar, and the Productionize notebook toolbar button.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  InputDialog,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Menu, Widget } from '@lumino/widgets';

import { NbopsAPIError } from '../api';
import { ITagSuggestion } from '../tokens';
import { COMMAND_CATEGORY, CommandIDs } from '../commands';
import { cellTags, NotebookBadges } from '../widgets/productionize/badges';
import { cellRoleIcon, pipelineIcon } from '../widgets/productionize/icons';
import { INotebookSource, PipelineModel } from '../widgets/productionize/model';
import { PipelinePanel } from '../widgets/productionize/PipelinePanel';
import {
  CellRole,
  isValidStepName,
  normalizeStepName,
  readRole,
  ROLES,
  stepNames,
  withRole
} from '../widgets/productionize/tags';

const PLUGIN_ID = 'nbops:productionize';

/** Commands of this plugin only; `CommandIDs.productionize` is the shared one. */
export namespace ProductionizeCommandIDs {
  /** Tag the selected cells as a step; args: {name?: string} (prompts without it). */
  export const tagStep = 'nbops:tag-cell-step';
  export const clearTags = 'nbops:clear-cell-tags';
  /** Open the role menu under the cell toolbar's button. */
  export const openRoleMenu = 'nbops:open-cell-role-menu';
  export const openPipeline = 'nbops:open-pipeline';
  /** `nbops:tag-cell-parameters`, `-setup`, `-library`, `-metrics`, `-test`, `-skip`. */
  export function tagRole(role: CellRole): string {
    return `nbops:tag-cell-${role}`;
  }
}

/** Arguments of `nbops:productionize`; without out_dir a dialog asks for it. */
export interface IProductionizeArgs {
  out_dir?: string;
  force?: boolean;
}

const ROLE_CAPTIONS: Record<CellRole, string> = {
  parameters: 'Parameters: literal assignments that become the pipeline parameters',
  setup: 'Setup: imports and constants every step may use',
  library: 'Library: functions and classes, moved to lib.py',
  step: 'Step: cells of one pipeline step (same name joins cells in order)',
  metrics: 'Metrics: values the pipeline reports as metrics',
  test: 'Test: assert cells that become pytest tests',
  skip: 'Skip: leave this cell out of the pipeline'
};

const SIDEBAR_RANK = 620;

function defaultOutDir(path: string): string {
  const dir = PathExt.dirname(path);
  const name = `${PathExt.basename(path, '.ipynb')}_pipeline`;
  return dir ? `${dir}/${name}` : name;
}

/** The selected code cells (the active one when nothing else is selected). */
function targetCells(tracker: INotebookTracker): Cell[] {
  const notebook = tracker.currentWidget?.content;
  if (!notebook) {
    return [];
  }
  return notebook.widgets.filter(
    cell => cell.model.type === 'code' && notebook.isSelectedOrActive(cell)
  );
}

function setTags(cell: Cell, tags: string[]): void {
  if (tags.length) {
    cell.model.setMetadata('tags', tags);
  } else {
    cell.model.deleteMetadata('tags');
  }
}

function roleMenu(commands: JupyterFrontEnd['commands']): Menu {
  const menu = new Menu({ commands });
  menu.addClass('jp-nbops-RoleMenu');
  menu.title.label = 'Productionize role';
  menu.title.icon = cellRoleIcon;
  for (const role of ROLES) {
    menu.addItem({
      command:
        role === 'step' ? ProductionizeCommandIDs.tagStep : ProductionizeCommandIDs.tagRole(role)
    });
  }
  menu.addItem({ type: 'separator' });
  menu.addItem({ command: ProductionizeCommandIDs.clearTags });
  return menu;
}

function addRoleCommands(app: JupyterFrontEnd, tracker: INotebookTracker): void {
  const { commands } = app;
  const hasCodeCell = () => targetCells(tracker).length > 0;
  const activeRole = () => {
    const cell = tracker.activeCell;
    return cell && cell.model.type === 'code' ? readRole(cellTags(cell.model)) : null;
  };
  for (const role of ROLES.filter(r => r !== 'step')) {
    commands.addCommand(ProductionizeCommandIDs.tagRole(role), {
      label: role[0].toUpperCase() + role.slice(1),
      caption: ROLE_CAPTIONS[role],
      isEnabled: hasCodeCell,
      isToggled: () => activeRole()?.role === role,
      execute: () => {
        for (const cell of targetCells(tracker)) {
          setTags(cell, withRole(cellTags(cell.model), role));
        }
      }
    });
  }
  commands.addCommand(ProductionizeCommandIDs.tagStep, {
    label: args => {
      const step = args.name ? String(args.name) : activeRole()?.step;
      return step && args.name === undefined ? `Step (now: ${step})…` : 'Step…';
    },
    caption: ROLE_CAPTIONS.step,
    isEnabled: hasCodeCell,
    isToggled: () => activeRole()?.role === 'step',
    execute: async args => {
      const cells = targetCells(tracker);
      const notebook = tracker.currentWidget?.content;
      if (!cells.length || !notebook) {
        return;
      }
      let name = typeof args.name === 'string' ? args.name : null;
      if (name === null) {
        const existing = stepNames(notebook.widgets.map(c => cellTags(c.model)));
        const current = readRole(cellTags(cells[0].model)).step;
        const answer = await InputDialog.getItem({
          title: 'Tag as pipeline step',
          label: existing.length
            ? 'Step name (pick one to join its cells, or type a new one):'
            : 'Step name (a Python identifier, e.g. load, train):',
          items: existing,
          current: current ?? undefined,
          editable: true,
          placeholder: 'e.g. train',
          okLabel: 'Tag'
        });
        if (!answer.button.accept || !answer.value) {
          return;
        }
        name = answer.value;
      }
      if (!isValidStepName(name)) {
        await showErrorMessage(
          'Invalid step name',
          `"${name}" cannot be a step name: use letters, digits and _, not starting with a digit.`
        );
        return;
      }
      for (const cell of cells) {
        setTags(cell, withRole(cellTags(cell.model), 'step', normalizeStepName(name)));
      }
    }
  });
  commands.addCommand(ProductionizeCommandIDs.clearTags, {
    label: 'Clear Productionize Tags',
    caption: 'Remove the nbops role tags of the selected cells (other tags stay)',
    isEnabled: hasCodeCell,
    execute: () => {
      for (const cell of targetCells(tracker)) {
        setTags(cell, withRole(cellTags(cell.model), null));
      }
    }
  });
}

function addRoleMenus(app: JupyterFrontEnd, tracker: INotebookTracker): void {
  const popup = roleMenu(app.commands);
  app.commands.addCommand(ProductionizeCommandIDs.openRoleMenu, {
    label: args => (args.toolbar ? '' : 'Productionize Role…'),
    caption: 'Set the productionize role of this cell (step, parameters, setup…)',
    icon: cellRoleIcon,
    isEnabled: () => targetCells(tracker).length > 0,
    execute: () => {
      const cell = tracker.activeCell;
      if (!cell) {
        return;
      }
      const button = cell.node.querySelector(
        `[data-command="${ProductionizeCommandIDs.openRoleMenu}"]`
      );
      const box = (button ?? cell.node).getBoundingClientRect();
      popup.open(button ? box.left : box.right - 200, box.bottom + 2);
    }
  });
  app.contextMenu.addItem({
    type: 'submenu',
    submenu: roleMenu(app.commands),
    selector: '.jp-Notebook .jp-CodeCell',
    rank: 30
  });
}

/** Add each suggested tag to its cell (found by id, else by position) through the notebook model. */
function acceptSuggestions(panel: NotebookPanel, suggestions: ITagSuggestion[]): void {
  const cells = panel.content.model?.cells;
  if (!cells) {
    return;
  }
  for (const suggestion of suggestions) {
    let model = null;
    for (let i = 0; i < cells.length; i++) {
      if (cells.get(i).id === suggestion.id) {
        model = cells.get(i);
      }
    }
    model = model ?? (suggestion.index < cells.length ? cells.get(suggestion.index) : null);
    if (!model || model.type !== 'code') {
      continue;
    }
    const tags = withRole(cellTags(model), suggestion.role, suggestion.step ?? undefined);
    model.setMetadata('tags', tags);
  }
}

/** The warning shown before a notebook's code runs for the first time in this session. */
function runWarning(name: string): Widget {
  const node = document.createElement('div');
  node.className = 'jp-nbops-RunWarning';
  const lines = [
    `Productionize runs the tagged cells of ${name} three times: twice in fresh kernels ` +
      '(the golden runs that record every step) and once as the generated package, plus its tests.',
    'Whatever those cells do happens each time: shell commands, downloads, writes to files or ' +
      'databases outside the package, training.',
    'This notebook has not been run in this session.'
  ];
  for (const line of lines) {
    const paragraph = document.createElement('p');
    paragraph.textContent = line;
    node.appendChild(paragraph);
  }
  return new Widget({ node });
}

function notebookSource(panel: NotebookPanel): INotebookSource {
  return {
    get path() {
      return panel.context.path;
    },
    toJSON: () => panel.context.model.toJSON()
  };
}

export const productionizePlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Productionize: cell role tags with badges, the Pipeline sidebar and the Productionize button.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const model = new PipelineModel();
    const sources = new WeakMap<NotebookPanel, INotebookSource>();
    const sourceOf = (panel: NotebookPanel) => {
      if (!sources.has(panel)) {
        sources.set(panel, notebookSource(panel));
      }
      return sources.get(panel)!;
    };

    const selectCell = (cellId: string) => {
      const panel = tracker.currentWidget;
      const notebook = panel?.content;
      const index = notebook ? notebook.widgets.findIndex(c => c.model.id === cellId) : -1;
      if (!panel || !notebook || index < 0) {
        return;
      }
      app.shell.activateById(panel.id);
      notebook.deselectAll();
      notebook.activeCellIndex = index;
      notebook.mode = 'command';
      void notebook.scrollToCell(notebook.widgets[index], 'center');
    };

    const panel = new PipelinePanel({
      model,
      selectCell,
      openFile: path =>
        void app.commands.execute('docmanager:open', { path, factory: 'Markdown Preview' }),
      productionize: () => void app.commands.execute(CommandIDs.productionize),
      acceptSuggestions: suggestions => {
        const notebookPanel = tracker.currentWidget;
        if (notebookPanel) {
          acceptSuggestions(notebookPanel, suggestions);
          model.dropSuggestions(suggestions);
          model.scheduleAnalysis();
        }
      }
    });

    // Notebooks whose cells ran in this Lab session, and those whose first golden run the user
    // accepted: Productionize asks before running the code of any other notebook.
    const executed = new Set<string>();
    const confirmed = new Set<string>();
    NotebookActions.executed.connect((_, { notebook }) => {
      const owner = tracker.find(p => p.content === notebook);
      if (owner) {
        executed.add(owner.context.path);
      }
    });
    const mayRun = async (notebookPanel: NotebookPanel): Promise<boolean> => {
      const path = notebookPanel.context.path;
      if (executed.has(path) || confirmed.has(path)) {
        return true;
      }
      const answer = await showDialog({
        title: "Run this notebook's code?",
        body: runWarning(PathExt.basename(path)),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Run and productionize' })]
      });
      if (answer.button.accept) {
        confirmed.add(path);
      }
      return answer.button.accept;
    };
    app.shell.add(panel, 'right', { rank: SIDEBAR_RANK });
    restorer?.add(panel, panel.id);

    // Badges on every notebook; the current one is analysed as its tags change.
    const badges = new Map<NotebookPanel, NotebookBadges>();
    tracker.widgetAdded.connect((_, notebookPanel) => {
      const isCurrent = () => tracker.currentWidget === notebookPanel;
      const reanalyse = () => isCurrent() && model.scheduleAnalysis();
      badges.set(
        notebookPanel,
        new NotebookBadges(
          notebookPanel,
          () => model.cellErrors(notebookPanel.context.path),
          reanalyse
        )
      );
      notebookPanel.context.saveState.connect((_, state) => state === 'completed' && reanalyse());
      void notebookPanel.context.ready.then(reanalyse);
      notebookPanel.disposed.connect(() => {
        badges.get(notebookPanel)?.dispose();
        badges.delete(notebookPanel);
      });
    });
    model.changed.connect(() => badges.forEach(b => b.refresh()));
    const follow = () =>
      model.setNotebook(tracker.currentWidget ? sourceOf(tracker.currentWidget) : null);
    tracker.currentChanged.connect(follow);
    follow();

    addRoleCommands(app, tracker);
    addRoleMenus(app, tracker);

    app.commands.addCommand(ProductionizeCommandIDs.openPipeline, {
      label: 'Open Pipeline Panel',
      caption: 'Show the step DAG and diagnostics of the current notebook',
      icon: pipelineIcon,
      execute: () => app.shell.activateById(panel.id)
    });

    app.commands.addCommand(CommandIDs.productionize, {
      label: 'Productionize',
      caption:
        'Turn the tagged cells into a tested pipeline package, proven to reproduce the notebook',
      icon: pipelineIcon,
      isEnabled: () =>
        tracker.currentWidget !== null && !model.isRunning(tracker.currentWidget.context.path),
      execute: async args => {
        const notebookPanel = tracker.currentWidget;
        if (!notebookPanel) {
          return;
        }
        model.setNotebook(sourceOf(notebookPanel));
        if (!(await mayRun(notebookPanel))) {
          return;
        }
        const options = args as IProductionizeArgs;
        let outDir = options.out_dir;
        if (!outDir) {
          const answer = await InputDialog.getText({
            title: 'Productionize',
            label: 'Write the pipeline package to (a folder relative to the server root):',
            text: defaultOutDir(notebookPanel.context.path),
            okLabel: 'Productionize'
          });
          if (!answer.button.accept || !answer.value?.trim()) {
            return;
          }
          outDir = answer.value.trim();
        }
        // The job reads the notebook from disk.
        if (notebookPanel.context.model.dirty) {
          await notebookPanel.context.save();
        }
        app.shell.activateById(panel.id);
        try {
          await model.start(outDir, options.force ?? false);
        } catch (error) {
          if (!(
            error instanceof NbopsAPIError &&
            error.status === 409 &&
            /already exists/.test(error.message)
          )) {
            await showErrorMessage('Productionize', (error as Error).message);
            return;
          }
          const overwrite = await showDialog({
            title: 'Overwrite the package?',
            body: `${outDir} already exists. Replace it with the new pipeline package?`,
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Overwrite' })]
          });
          if (overwrite.button.accept) {
            await model
              .start(outDir, true)
              .catch(reason => showErrorMessage('Productionize', (reason as Error).message));
          }
        }
      }
    });

    if (palette) {
      const ids = [
        CommandIDs.productionize,
        ProductionizeCommandIDs.openPipeline,
        ProductionizeCommandIDs.tagStep,
        ...ROLES.filter(r => r !== 'step').map(ProductionizeCommandIDs.tagRole),
        ProductionizeCommandIDs.clearTags
      ];
      for (const command of ids) {
        palette.addItem({ command, category: COMMAND_CATEGORY });
      }
    }
  }
};
