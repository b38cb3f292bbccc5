/**
 * The Compare panel plugin: `nbops:open-compare` opens a main-area panel
 * comparing runs, restored on reload with the same run ids.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';

import { COMMAND_CATEGORY, CommandIDs, IOpenCompareArgs } from '../commands';
import { loadPlotly, preloadPlotly } from '../plotly';
import { ComparePanel } from '../widgets/compare/ComparePanel';
import { CompareModel, ICompareView } from '../widgets/compare/model';
import { watchTheme } from '../widgets/plot/theme';

const TRACKER_NAMESPACE = 'nbops-compare';

function runIdsOf(args: unknown): string[] {
  const runs = (args as Partial<IOpenCompareArgs> | undefined)?.runs;
  return Array.isArray(runs)
    ? [...new Set(runs.filter((id): id is string => typeof id === 'string' && id !== ''))]
    : [];
}

function sameRuns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function titleOf(count: number): string {
  return `Compare · ${count} run${count === 1 ? '' : 's'}`;
}

export const comparePlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbops:compare',
  description: 'The Compare panel: params, metric curves and groups of runs side by side.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themeManager: IThemeManager | null
  ): void => {
    const tracker = new WidgetTracker<MainAreaWidget<ComparePanel>>({
      namespace: TRACKER_NAMESPACE
    });
    // Fetch and compile the basic plotly build (the curves') once Lab is idle after
    // start-up, so the first chart of a Compare panel does not wait for it. The full build
    // follows once a chart has painted (widgets/plot/PlotlyChart).
    void app.restored.then(() => preloadPlotly('basic'));

    const open = (runIds: string[], view: ICompareView = {}): MainAreaWidget<ComparePanel> => {
      const existing = tracker.find(widget => sameRuns(widget.content.model.runIds, runIds));
      if (existing) {
        app.shell.activateById(existing.id);
        return existing;
      }
      void loadPlotly('basic').catch(() => undefined); // in parallel with the comparison's request
      const model = new CompareModel(runIds, view);
      const content = new ComparePanel(model);
      const widget = new MainAreaWidget({ content });
      widget.id = `nbops-compare-${Date.now().toString(36)}`;
      widget.title.label = titleOf(runIds.length);
      widget.title.caption = `Compare runs ${runIds.join(', ')}`;
      widget.title.closable = true;
      // Once loaded, the title counts the runs actually shown.
      model.changed.connect(() => {
        if (model.state === 'ready') {
          widget.title.label = titleOf(model.runs.length);
        }
      });
      void tracker.add(widget);
      // Saving the view with the panel's restore args keeps it across reloads.
      model.viewChanged.connect(() => void tracker.save(widget));
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      void model.load();
      return widget;
    };

    app.commands.addCommand(CommandIDs.openCompare, {
      label: 'Compare Runs',
      caption: 'Compare runs side by side: params, metric curves, groups of seeds',
      execute: args => {
        const runIds = runIdsOf(args);
        if (runIds.length > 0) {
          return open(runIds, ((args as Partial<IOpenCompareArgs>).view ?? {}) as ICompareView);
        }
        const recent = tracker.currentWidget;
        if (recent) {
          return open(recent.content.model.runIds);
        }
        Notification.info('Select runs in the Experiments sidebar, then choose Compare.', {
          autoClose: 6000,
          actions: [
            {
              label: 'Open Experiments',
              callback: () => void app.commands.execute(CommandIDs.openExperiments)
            }
          ]
        });
        return undefined;
      }
    });
    palette?.addItem({ command: CommandIDs.openCompare, category: COMMAND_CATEGORY });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openCompare,
        args: widget => ({
          runs: widget.content.model.runIds,
          view: { ...widget.content.model.view }
        }),
        name: widget => widget.content.model.runIds.join(',')
      });
    }

    watchTheme(themeManager, () => tracker.forEach(widget => widget.content.refreshTheme()));
  }
};
