/**
 * nbops JupyterLab plugins. Each plugin lives in its own module under `plugins/`
 * and reaches the others through the commands of `commands.ts`.
 */
import { experimentsPlugin } from './plugins/experiments';
import { runDetailPlugin } from './plugins/runDetail';

export * from './commands';
export * from './tokens';

export default [experimentsPlugin, runDetailPlugin];
