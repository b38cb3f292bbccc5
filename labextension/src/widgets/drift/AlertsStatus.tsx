/**
 * Status-bar item "Drift: 2 alerts": shown while some drift alerts are unseen;
 * a click opens the Drift monitor on the subject of the newest one.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { GroupItem, TextItem } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { DriftAlertsModel } from './alerts';

const ICON = new LabIcon({
  name: 'nbops:drift-alert',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">' +
    '<path class="jp-icon-warn0 jp-icon-selectable" fill="#f57c00" d="M8 1.5 15 14H1L8 1.5Zm-.8 4.5v4h1.6V6H7.2Zm0 5.2v1.6h1.6v-1.6H7.2Z"/>' +
    '</svg>'
});

export class AlertsStatus extends ReactWidget {
  constructor(alerts: DriftAlertsModel, open: (subject: string | null) => void) {
    super();
    this.addClass('jp-nbops-DriftStatus');
    this._alerts = alerts;
    this._open = open;
    this.node.title = 'Unseen drift alerts: click to open the Drift monitor';
    this.node.setAttribute('role', 'button');
    this.node.setAttribute('data-id', 'nbops-drift-status');
    this.node.addEventListener('click', () => this._open(this._alerts.latestSubject));
    alerts.changed.connect(this.update, this);
  }

  protected render(): JSX.Element {
    const n = this._alerts.unseen;
    return (
      <GroupItem spacing={4}>
        <ICON.react tag="span" stylesheet="statusBar" />
        <TextItem source={`Drift: ${n} ${n === 1 ? 'alert' : 'alerts'}`} />
      </GroupItem>
    );
  }

  private _alerts: DriftAlertsModel;
  private _open: (subject: string | null) => void;
}
