/**
 * Icons of the productionize views, inlined like the shared ones in `icons.ts`.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// Three boxes joined top to bottom: a step graph.
const pipelineSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M9 2h6v5h-2v3h6v4h2v5h-6v-5h2v-2H7v2h2v5H3v-5h2v-4h6V7H9zM5 16v1h2v-1zm12 0v1h2v-1z"/>
</svg>`;

export const pipelineIcon = new LabIcon({
  name: 'nbops:pipeline',
  svgstr: pipelineSvg
});

// A tag.
const tagSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h8.6l9.7 9.7-8.6 8.6L3 11.6zm4.5 3A1.5 1.5 0 1 0 7.5 9 1.5 1.5 0 0 0 7.5 6z"/>
</svg>`;

export const cellRoleIcon = new LabIcon({
  name: 'nbops:cell-role',
  svgstr: tagSvg
});
