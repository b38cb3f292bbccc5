/**
 * nbops icons. SVG sources are inlined so they resolve the same from the
 * compiled `lib/` and the TypeScript sources.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// A flask, half filled: the glass is drawn as a hole in the filled shape.
const experimentsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd" d="M8 2.5h8v2h-1.5v5.4l5.6 9.1c.8 1.4-.2 3-1.8 3H5.7c-1.6 0-2.6-1.6-1.8-3l5.6-9.1V4.5H8zM11 4.5h2v5.9l2.2 3.6H8.8l2.2-3.6z"/>
</svg>`;

export const experimentsIcon = new LabIcon({
  name: 'nbops:experiments',
  svgstr: experimentsSvg
});
