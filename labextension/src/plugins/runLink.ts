/**
 * Renders the `%%track` summary with a link to the run's detail panel. The
 * magic also sends HTML, which nbconvert, papermill and other viewers show.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { CommandIDs } from '../commands';
import { RUN_MIME_TYPE, RunSummaryRenderer } from '../widgets/run/RunSummaryRenderer';

/** Before text/html (50), so Lab prefers the linked summary. */
const RANK = 0;

export const runLinkPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbops:run-link',
  description: 'Links the %%track summary in notebooks to the run detail panel.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry): void => {
    rendermime.addFactory(
      {
        // The bundle is plain data rendered as text: safe in untrusted notebooks.
        safe: true,
        mimeTypes: [RUN_MIME_TYPE],
        defaultRank: RANK,
        createRenderer: () =>
          new RunSummaryRenderer(run => void app.commands.execute(CommandIDs.openRun, { run }))
      },
      RANK
    );
  }
};
