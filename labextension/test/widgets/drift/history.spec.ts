import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AlertHistoryModel } from '../../../src/widgets/drift/history';
import { IDriftAlert, IDriftAlertsResponse, IDriftRetrain } from '../../../src/tokens';

/** One alert whose retrain moves through the states the server job gives it. */
class Feed {
  calls = 0;
  status: IDriftRetrain['status'] = 'queued';

  async alerts(): Promise<IDriftAlertsResponse> {
    this.calls += 1;
    const retrain: IDriftRetrain = {
      id: 7,
      status: this.status,
      target: 'local',
      reason: null,
      run_id: null,
      model: this.status === 'succeeded' ? 'churn' : null,
      model_version: this.status === 'succeeded' ? 2 : null,
      remote_id: null,
      failure_event_id: null,
      started_at: 1_700_000_000,
      ended_at: null
    };
    const alert: IDriftAlert = {
      id: 1,
      window_id: 1,
      window: 'W1',
      subject: 'churn',
      rule: 'retrain on drift',
      features: ['x'],
      message: 'drift in churn',
      created_at: 1_700_000_000,
      seen_at: 1,
      retrain
    };
    return { alerts: [alert], unseen: 0, unseen_by_subject: {}, latest_id: 1 };
  }

  async webhookDeliveries(): Promise<{ deliveries: [] }> {
    return { deliveries: [] };
  }
}

describe('AlertHistoryModel', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('looks again while a retrain is queued or running, and stops once it ended', async () => {
    const feed = new Feed();
    const model = new AlertHistoryModel({ api: feed as never });
    model.subject = 'churn';
    await vi.advanceTimersByTimeAsync(0);
    expect(feed.calls).toBe(1);
    expect(model.alerts[0].retrain?.status).toBe('queued');

    feed.status = 'running';
    await vi.advanceTimersByTimeAsync(3000);
    expect(feed.calls).toBe(2);
    expect(model.alerts[0].retrain?.status).toBe('running');

    feed.status = 'succeeded';
    await vi.advanceTimersByTimeAsync(3000);
    expect(model.alerts[0].retrain?.model_version).toBe(2);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(feed.calls).toBe(3); // nothing pending: no more requests
    model.dispose();
  });

  it('stops looking when disposed', async () => {
    const feed = new Feed();
    const model = new AlertHistoryModel({ api: feed as never });
    model.subject = 'churn';
    await vi.advanceTimersByTimeAsync(0);
    model.dispose();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(feed.calls).toBe(1);
  });
});
