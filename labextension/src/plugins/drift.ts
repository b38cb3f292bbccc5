/**
 * The Drift plugin: the Drift monitor panel, the alert watcher with its
 * notifications, the status-bar count and the IDriftAlerts token.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';

import { COMMAND_CATEGORY, CommandIDs, IOpenDriftArgs } from '../commands';
import { IDriftAlerts } from '../tokens';
import { DEFAULT_ALERT_INTERVAL, DriftAlertsModel } from '../widgets/drift/alerts';
import { AlertsStatus } from '../widgets/drift/AlertsStatus';
import { AlertAnnouncer } from '../widgets/drift/announcer';
import { DriftMonitor } from '../widgets/drift/DriftMonitor';
import { driftIcon } from '../widgets/drift/icons';
import { DriftMonitorModel } from '../widgets/drift/model';
import { watchTheme } from '../widgets/plot/theme';

const PLUGIN_ID = 'nbops:drift';
const TITLE = 'Drift Monitor';

export const driftPlugin: JupyterFrontEndPlugin<IDriftAlerts> = {
  id: PLUGIN_ID,
  description: 'The Drift monitor panel, drift alert notifications and the unseen-alerts count.',
  autoStart: true,
  provides: IDriftAlerts,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, IStatusBar, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    themeManager: IThemeManager | null
  ): IDriftAlerts => {
    const alerts = new DriftAlertsModel({ interval: DEFAULT_ALERT_INTERVAL });
    const tracker = new WidgetTracker<MainAreaWidget<DriftMonitor>>({ namespace: 'nbops-drift' });
    let notify = true;

    const setTitle = (widget: MainAreaWidget<DriftMonitor>) => {
      const n = alerts.unseen;
      widget.title.label = n > 0 ? `${TITLE} (${n})` : TITLE;
      widget.title.caption =
        n > 0 ? `${TITLE}: ${n} unseen drift ${n === 1 ? 'alert' : 'alerts'}` : TITLE;
    };

    const open = async (subject?: string | null): Promise<MainAreaWidget<DriftMonitor>> => {
      let widget = tracker.currentWidget;
      if (!widget || widget.isDisposed) {
        const content = new DriftMonitor({
          model: new DriftMonitorModel({ subject: subject || null }),
          alerts
        });
        widget = new MainAreaWidget({ content });
        widget.id = 'nbops-drift-monitor';
        widget.addClass('jp-nbops-DriftMonitorPanel');
        widget.title.icon = driftIcon;
        setTitle(widget);
        await tracker.add(widget);
      } else if (subject) {
        widget.content.model.subject = subject;
      }
      if (!widget.isAttached) {
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
      return widget;
    };

    app.commands.addCommand(CommandIDs.openDrift, {
      label: 'Open Drift Monitor',
      caption: 'Show data drift over time for a reference dataset or model',
      icon: driftIcon,
      execute: async args => {
        const reference = (args as IOpenDriftArgs).reference;
        await open(typeof reference === 'string' ? reference : null);
      }
    });
    palette?.addItem({ command: CommandIDs.openDrift, category: COMMAND_CATEGORY });
    void restorer?.restore(tracker, {
      command: CommandIDs.openDrift,
      args: widget => ({ reference: widget.content.model.subject ?? '' }),
      name: () => 'drift-monitor'
    });

    const announcer = new AlertAnnouncer({
      open: (subject, ids) => {
        void open(subject);
        void alerts.markIdsSeen(ids);
      }
    });
    alerts.changed.connect(() => tracker.forEach(setTitle));
    alerts.arrived.connect((_, fresh) => {
      // A new window of the shown subject: show it without waiting for the panel's poll.
      tracker.forEach(widget => {
        if (fresh.some(alert => alert.subject === widget.content.model.subject)) {
          void widget.content.model.refresh();
        }
      });
      if (notify) {
        announcer.announce(fresh);
      }
    });

    if (statusBar) {
      const item = new AlertsStatus(alerts, subject => void open(subject));
      statusBar.registerStatusItem('nbops:drift-alerts', {
        item,
        align: 'left',
        rank: 50,
        isActive: () => alerts.unseen > 0,
        activeStateChanged: alerts.changed
      });
    }

    watchTheme(themeManager, () => tracker.forEach(widget => widget.content.refreshTheme()));

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            alerts.interval = (settings.get('pollInterval').composite as number) * 1000;
            notify = settings.get('notifications').composite as boolean;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.warn('nbops: cannot load drift settings, using defaults.', reason)
        );
    }
    return alerts;
  }
};
