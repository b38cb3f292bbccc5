/**
 * nbops JupyterLab plugins. Each plugin lives in its own module under `plugins/`
 * and reaches the others through the commands of `commands.ts`.
 */
import { comparePlugin } from './plugins/compare';
import { experimentsPlugin } from './plugins/experiments';

export * from './commands';
export * from './tokens';

export default [experimentsPlugin, comparePlugin];
