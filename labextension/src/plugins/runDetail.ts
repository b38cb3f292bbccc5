/**
 * The Run detail plugin: `nbops:open-run` opens one main-area panel per run
 * (reopening focuses it), restored on reload.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';

import { COMMAND_CATEGORY, CommandIDs, IOpenRunArgs } from '../commands';
import { experimentsIcon } from '../icons';
import { watchTheme } from '../widgets/plot/theme';
import { IRunActions } from '../widgets/run/actions';
import { RunDetailModel } from '../widgets/run/RunDetailModel';
import { RunDetailView, runTitle } from '../widgets/run/RunDetailView';

const TRACKER_NAMESPACE = 'nbops-run';

/** Code-cell sources of a notebook, read through the contents API. */
async function notebookSources(app: JupyterFrontEnd, path: string): Promise<string[] | null> {
  try {
    const model = await app.serviceManager.contents.get(path, {
      content: true,
      type: 'notebook'
    });
    const cells = (model.content?.cells ?? []) as {
      cell_type: string;
      source: string | string[];
    }[];
    return cells
      .filter(cell => cell.cell_type === 'code')
      .map(cell => (Array.isArray(cell.source) ? cell.source.join('') : cell.source));
  } catch {
    return null;
  }
}

/** Lab's own markdown renderer; untrusted, so the HTML is sanitized. */
async function renderMarkdown(
  rendermime: IRenderMimeRegistry | null,
  host: HTMLElement,
  source: string
): Promise<() => void> {
  if (!rendermime) {
    return () => undefined;
  }
  const renderer = rendermime.createRenderer('text/markdown');
  await renderer.renderModel(new MimeModel({ data: { 'text/markdown': source }, trusted: false }));
  host.replaceChildren(renderer.node);
  return () => renderer.dispose();
}

export const runDetailPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbops:run-detail',
  description: 'The Run detail panel: params, metrics, tags and notes, artifacts, provenance.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, IThemeManager, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null,
    rendermime: IRenderMimeRegistry | null
  ): void => {
    const tracker = new WidgetTracker<MainAreaWidget<RunDetailView>>({
      namespace: TRACKER_NAMESPACE
    });
    const actions: IRunActions = {
      openRun: run => void app.commands.execute(CommandIDs.openRun, { run }),
      openNotebook: path => void app.commands.execute('docmanager:open', { path }),
      readNotebookSources: path => notebookSources(app, path),
      renderMarkdown: (host, source) => renderMarkdown(rendermime, host, source)
    };

    const open = (runId: string): MainAreaWidget<RunDetailView> => {
      const existing = tracker.find(widget => widget.content.runId === runId);
      if (existing) {
        app.shell.activateById(existing.id);
        void existing.content.model.load();
        return existing;
      }
      const model = new RunDetailModel(runId);
      const content = new RunDetailView(model, actions);
      const widget = new MainAreaWidget({ content });
      widget.id = `nbops-run-${runId}`;
      widget.title.icon = experimentsIcon;
      widget.title.closable = true;
      const retitle = () => {
        widget.title.caption = model.run
          ? `Run ${runId} of ${model.run.experiment}`
          : `Run ${runId}`;
        retitleAll();
      };
      model.changed.connect(retitle);
      void tracker.add(widget);
      retitle();
      widget.disposed.connect(() => requestAnimationFrame(retitleAll));
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      void model.load();
      return widget;
    };

    // Two open runs of one name: each tab title gets a short id after the name.
    const retitleAll = () => {
      const titles = new Map<MainAreaWidget<RunDetailView>, string>();
      tracker.forEach(w => {
        if (!w.isDisposed) {
          titles.set(w, runTitle(w.content.model.run, w.content.runId));
        }
      });
      const counts = new Map<string, number>();
      titles.forEach(title => counts.set(title, (counts.get(title) ?? 0) + 1));
      titles.forEach((title, w) => {
        w.title.label = counts.get(title)! > 1 ? `${title} · ${w.content.runId.slice(-4)}` : title;
      });
    };

    watchTheme(themes, () => tracker.forEach(widget => widget.content.themeChanged()));

    app.commands.addCommand(CommandIDs.openRun, {
      label: 'Open Run',
      caption: 'Open the detail panel of a run: params, metrics, notes, artifacts, provenance',
      icon: experimentsIcon,
      execute: async args => {
        let runId = (args as Partial<IOpenRunArgs>).run;
        if (!runId) {
          const answer = await InputDialog.getText({
            title: 'Open Run',
            label: 'Run id',
            placeholder: 'e.g. 3f9c2a7d51e04b6a'
          });
          runId = answer.button.accept ? answer.value?.trim() : undefined;
        }
        return runId ? open(runId) : undefined;
      }
    });
    palette?.addItem({ command: CommandIDs.openRun, category: COMMAND_CATEGORY });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openRun,
        args: widget => ({ run: widget.content.runId }),
        name: widget => widget.content.runId
      });
    }
  }
};
