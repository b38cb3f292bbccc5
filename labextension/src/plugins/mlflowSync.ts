/**
 * Team scale-out: the "Push Runs to MLflow" command. The Lab server pushes ended runs in
 * the background (c.NbopsApp.mlflow_uri); this command asks it to push now and says what
 * happened. Each run's outcome reaches the sidebar and run detail through the change feed.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';

import { NbopsAPIError, syncAPI } from '../api';
import { CommandIDs, COMMAND_CATEGORY } from '../commands';

export const mlflowSyncPlugin: JupyterFrontEndPlugin<void> = {
  id: 'nbops:mlflow-sync',
  description: 'Push ended runs to the MLflow tracking server the Lab server is configured with.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null): void => {
    app.commands.addCommand(CommandIDs.pushRuns, {
      label: 'Push Runs to MLflow',
      caption: 'Push ended runs to the MLflow tracking server now (c.NbopsApp.mlflow_uri)',
      execute: async () => {
        try {
          const answer = await syncAPI.pushNow();
          Notification.info(
            answer.pending === 0
              ? `Every ended run is already on ${answer.target}.`
              : `Pushing ${answer.pending} run(s) to ${answer.target}…`,
            { autoClose: 5000 }
          );
        } catch (error) {
          const message = error instanceof NbopsAPIError ? error.message : String(error);
          Notification.error(`Cannot push runs: ${message}`, { autoClose: false });
        }
      }
    });
    palette?.addItem({ command: CommandIDs.pushRuns, category: COMMAND_CATEGORY });
  }
};
