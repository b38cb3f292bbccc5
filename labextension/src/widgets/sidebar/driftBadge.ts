/**
 * The count of unseen drift alerts on the Experiments sidebar's tab, so an alert
 * raised while its toast was missed stays visible where the user looks for runs.
 */
import { Title, Widget } from '@lumino/widgets';

import { IDriftAlerts } from '../../tokens';

const CAPTION = 'Experiments';
/** Lumino writes each dataset key as `data-<key>` on the tab. */
const BADGE = 'nbops-drift-alerts';

/** Keep `panel`'s tab badge in step with `alerts` for the panel's lifetime. */
export function showDriftAlertBadge(panel: Widget, alerts: IDriftAlerts): void {
  const update = () => setBadge(panel.title, alerts.unseen);
  alerts.changed.connect(update);
  panel.disposed.connect(() => alerts.changed.disconnect(update));
  update();
}

function setBadge(title: Title<Widget>, unseen: number): void {
  const { [BADGE]: _, ...rest } = title.dataset;
  if (unseen > 0) {
    const count = unseen > 99 ? '99+' : String(unseen);
    title.dataset = { ...rest, [BADGE]: count };
    title.caption = `${CAPTION} — ${unseen} unseen drift alert${unseen === 1 ? '' : 's'}`;
  } else {
    title.dataset = rest;
    title.caption = CAPTION;
  }
}
