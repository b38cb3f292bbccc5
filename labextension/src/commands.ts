/**
 * Command ids shared by the nbops plugins, and the arguments each one takes.
 *
 * Plugins talk to each other through these commands rather than imports, so the
 * sidebar can open a comparison without knowing how the Compare panel is built.
 */
export const COMMAND_CATEGORY = 'nbops';

export namespace CommandIDs {
  /** Show the Experiments sidebar. */
  export const openExperiments = 'nbops:open-experiments';
  /** Reload the runs of the Experiments sidebar now. */
  export const refreshRuns = 'nbops:refresh-runs';
  /** Open the Compare panel; args: {@link IOpenCompareArgs}. */
  export const openCompare = 'nbops:open-compare';
  /** Open one run's detail panel; args: {@link IOpenRunArgs}. */
  export const openRun = 'nbops:open-run';
  /** Open the model registry view. */
  export const openModels = 'nbops:open-models';
  /** Open the Drift panel; args: {@link IOpenDriftArgs}. */
  export const openDrift = 'nbops:open-drift';
  /** Productionize the current notebook. */
  export const productionize = 'nbops:productionize';
  /** Push ended runs to the configured MLflow tracking server now. */
  export const pushRuns = 'nbops:push-runs';
  /** Rename a run (asks for the name); args: {@link IOpenRunArgs}, or the sidebar row right-clicked. */
  export const renameRun = 'nbops:rename-run';
}

export interface IOpenCompareArgs {
  /** Run ids to compare, in display order. */
  runs: string[];
  /** The panel's view (metric, x axis, grouping, …) as saved for restoring; optional. */
  view?: Record<string, unknown>;
}

export interface IOpenRunArgs {
  /** The run id. */
  run: string;
}

export interface IOpenDriftArgs {
  /** Reference dataset or model name to focus; all references when absent. */
  reference?: string;
}
