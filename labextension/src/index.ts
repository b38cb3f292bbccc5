/**
 * nbops JupyterLab plugins. Each plugin lives in its own module under `plugins/`
 * and reaches the others through the commands of `commands.ts`.
 */
import { comparePlugin } from './plugins/compare';
import { driftPlugin } from './plugins/drift';
import { experimentsPlugin } from './plugins/experiments';
import { modelsPlugin } from './plugins/models';
import { runDetailPlugin } from './plugins/runDetail';
import { runLinkPlugin } from './plugins/runLink';
import { productionizePlugin } from './plugins/productionize';
import { mlflowSyncPlugin } from './plugins/mlflowSync';

export * from './commands';
export * from './tokens';

export default [
  experimentsPlugin,
  comparePlugin,
  runDetailPlugin,
  modelsPlugin,
  runLinkPlugin,
  productionizePlugin,
  driftPlugin,
  mlflowSyncPlugin
];
