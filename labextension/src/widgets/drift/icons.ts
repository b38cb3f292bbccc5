/**
 * Icons of the Drift monitor; `jp-icon*` classes let the theme recolour them.
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** A small heatmap with one hot cell: the Drift monitor's tab and command icon. */
export const driftIcon = new LabIcon({
  name: 'nbops:drift',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<rect x="1" y="2" width="4" height="3" rx="0.5"/><rect x="6" y="2" width="4" height="3" rx="0.5"/>' +
    '<rect x="1" y="6.5" width="4" height="3" rx="0.5"/><rect x="6" y="6.5" width="4" height="3" rx="0.5"/>' +
    '<rect x="11" y="6.5" width="4" height="3" rx="0.5"/><rect x="1" y="11" width="4" height="3" rx="0.5"/>' +
    '<rect x="6" y="11" width="4" height="3" rx="0.5"/><rect x="11" y="11" width="4" height="3" rx="0.5"/>' +
    '</g>' +
    '<rect class="jp-icon-warn0" fill="#f57c00" x="11" y="2" width="4" height="3" rx="0.5"/>' +
    '</svg>'
});
