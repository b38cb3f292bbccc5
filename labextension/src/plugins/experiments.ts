/**
 * The Experiments sidebar plugin: the runs list, its commands and settings.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { editIcon, refreshIcon } from '@jupyterlab/ui-components';

import { runsAPI } from '../api';

import { CommandIDs, COMMAND_CATEGORY } from '../commands';
import { experimentsIcon } from '../icons';
import { DEFAULT_REFRESH_INTERVAL, RunsModel } from '../widgets/sidebar/model';
import { IDriftAlerts, IRunsModel } from '../tokens';
import {
  DEFAULT_VIEW_SETTINGS,
  ExperimentsPanel,
  IViewSettings
} from '../widgets/sidebar/ExperimentsPanel';
import { showDriftAlertBadge } from '../widgets/sidebar/driftBadge';

export * from '../tokens';

const PLUGIN_ID = 'nbops:plugin';

/** Between the table of contents (400) and the extension manager (1000). */
const SIDEBAR_RANK = 450;

/** Commands after which a tracked run may have started or ended. */
const RUN_COMMAND =
  /^(notebook|runmenu|console):run|^notebook:restart-run-all|^kernelmenu:restart-and-run-all/;

export const experimentsPlugin: JupyterFrontEndPlugin<IRunsModel> = {
  id: PLUGIN_ID,
  description: 'The Experiments sidebar: runs tracked by nbops, refreshed while it is visible.',
  autoStart: true,
  provides: IRunsModel,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator, IDriftAlerts],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    driftAlerts: IDriftAlerts | null
  ): IRunsModel => {
    const model = new RunsModel({ refreshInterval: DEFAULT_REFRESH_INTERVAL });
    const panel = new ExperimentsPanel({
      model,
      commands: app.commands,
      translator: translator ?? undefined,
      openNotebook: path => void app.commands.execute('docmanager:open', { path })
    });
    app.shell.add(panel, 'left', { rank: SIDEBAR_RANK });
    restorer?.add(panel, panel.id);
    if (driftAlerts) {
      showDriftAlertBadge(panel, driftAlerts);
    }

    app.commands.addCommand(CommandIDs.openExperiments, {
      label: 'Open Experiments',
      caption: 'Show the runs tracked by nbops in the left sidebar',
      icon: experimentsIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    app.commands.addCommand(CommandIDs.refreshRuns, {
      label: 'Refresh Runs',
      caption: 'Reload the runs shown in the Experiments sidebar',
      icon: refreshIcon,
      execute: () => model.refresh()
    });
    addRenameCommand(app, model);

    if (palette) {
      for (const command of [CommandIDs.openExperiments, CommandIDs.refreshRuns]) {
        palette.addItem({ command, category: COMMAND_CATEGORY });
      }
    }

    // A tracked cell that just finished should show up without waiting for
    // the next poll tick. Run commands resolve once their cells are done.
    app.commands.commandExecuted.connect((_, { id, result }) => {
      if (!RUN_COMMAND.test(id)) {
        return;
      }
      const refresh = () => {
        if (model.visible) {
          void model.refresh();
        }
      };
      void result.then(refresh, refresh);
    });

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            const seconds = settings.get('refreshInterval').composite as number;
            model.refreshInterval = seconds * 1000;
            panel.viewSettings = {
              metricColumns: settings.get('metricColumns').composite as string[],
              maxMetricColumns: settings.get('maxMetricColumns').composite as number,
              paramColumns: settings.get('paramColumns').composite as string[],
              maxParamColumns: settings.get('maxParamColumns').composite as number
            } satisfies IViewSettings;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.warn('nbops: cannot load settings, using defaults.', reason);
          panel.viewSettings = DEFAULT_VIEW_SETTINGS;
        });
    }

    return model;
  }
};

/** The sidebar row a context menu was opened on, if any. */
function rowRunId(app: JupyterFrontEnd): string | undefined {
  return app.contextMenuHitTest(node => node.dataset.runId !== undefined)?.dataset.runId;
}

/** Rename a run from the sidebar's context menu (or with `{run}` from anywhere). */
function addRenameCommand(app: JupyterFrontEnd, model: RunsModel): void {
  app.commands.addCommand(CommandIDs.renameRun, {
    label: 'Rename Run…',
    caption: 'Give the run a new name',
    icon: editIcon,
    isEnabled: args => Boolean((args.run as string | undefined) ?? rowRunId(app)),
    execute: async args => {
      const runId = (args.run as string | undefined) ?? rowRunId(app);
      if (!runId) {
        return;
      }
      const current = model.runs.find(run => run.id === runId)?.name ?? '';
      const answer = await InputDialog.getText({
        title: 'Rename run',
        label: `New name for run ${runId.slice(0, 8)} (at most 250 characters)`,
        text: current,
        okLabel: 'Rename'
      });
      const name = answer.value ?? '';
      if (!answer.button.accept || name.trim() === current) {
        return;
      }
      try {
        await runsAPI.edit(runId, { name }); // the server refuses a blank or long one, saying why
      } catch (error) {
        Notification.error(`Cannot rename run ${runId.slice(0, 8)}: ${(error as Error).message}`, {
          autoClose: 8000
        });
        return;
      }
      await model.refresh();
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.renameRun,
    selector: '.jp-nbops-RunsTable-row',
    rank: 10
  });
}
