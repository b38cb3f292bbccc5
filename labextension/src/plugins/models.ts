/**
 * The Models plugin: `nbops:open-models` opens the model registry view in the
 * main area (one instance), restored on reload.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';

import { COMMAND_CATEGORY, CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { ModelsView } from '../widgets/models/ModelsView';
import { RegistryModel } from '../widgets/models/RegistryModel';

export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbops:models',
  description: 'The model registry view: models, versions, aliases and lineage.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    rendermime: IRenderMimeRegistry | null
  ): void => {
    // Model cards through Lab's markdown renderer; untrusted, so its HTML is sanitized.
    const renderMarkdown = rendermime
      ? async (host: HTMLElement, source: string) => {
          const renderer = rendermime.createRenderer('text/markdown');
          await renderer.renderModel(
            new MimeModel({ data: { 'text/markdown': source }, trusted: false })
          );
          host.replaceChildren(renderer.node);
          return () => renderer.dispose();
        }
      : null;
    const tracker = new WidgetTracker<MainAreaWidget<ModelsView>>({
      namespace: 'nbops-models'
    });

    app.commands.addCommand(CommandIDs.openModels, {
      label: 'Open Model Registry',
      caption: 'Registered models, their versions, aliases and the runs they came from',
      icon: experimentsIcon,
      execute: () => {
        const existing = tracker.currentWidget;
        if (existing) {
          app.shell.activateById(existing.id);
          void existing.content.model.load();
          return existing;
        }
        const registry = new RegistryModel();
        const content = new ModelsView(registry, {
          openRun: run => void app.commands.execute(CommandIDs.openRun, { run }),
          renderMarkdown
        });
        const widget = new MainAreaWidget({ content });
        widget.id = 'nbops-models';
        widget.title.label = 'Model Registry';
        widget.title.icon = experimentsIcon;
        widget.title.closable = true;
        void tracker.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        void registry.load();
        return widget;
      }
    });
    palette?.addItem({ command: CommandIDs.openModels, category: COMMAND_CATEGORY });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openModels,
        name: () => 'models'
      });
    }
  }
};
