/** What the run detail views may ask of JupyterLab, provided by the plugin. */
export interface IRunActions {
  /** Open (or focus) another run's detail panel. */
  openRun(id: string): void;
  /** Open a notebook by its path relative to the server root. */
  openNotebook(path: string): void;
  /** Sources of the notebook's code cells in order, or null when it cannot be read. */
  readNotebookSources(path: string): Promise<string[] | null>;
  /**
   * Render markdown (sanitized, as untrusted) into `host`; returns a function
   * that releases the renderer.
   */
  renderMarkdown(host: HTMLElement, source: string): Promise<() => void>;
}
