import { afterEach, describe, expect, it } from 'vitest';

import { DriftAlertsModel } from '../../../src/widgets/drift/alerts';
import { IDriftAlert, IDriftAlertsResponse } from '../../../src/tokens';

/**
 * The alert feed as the server answers it (newest first, ids after `after`,
 * unseen counts over all events), kept in memory so the model's bookkeeping
 * can be checked tick by tick.
 */
class AlertFeed {
  events: IDriftAlert[] = [];
  marked: number[][] = [];

  add(subject: string): void {
    const id = this.events.length + 1;
    this.events.push({
      id,
      window_id: id,
      window: `w${id}`,
      subject,
      rule: 'any',
      features: ['x'],
      message: `drift in ${subject}`,
      created_at: 1_700_000_000 + id,
      seen_at: null
    });
  }

  async alerts(
    options: { unseen?: boolean; after?: number; limit?: number } = {}
  ): Promise<IDriftAlertsResponse> {
    const unseen = this.events.filter(e => e.seen_at === null);
    const bySubject: Record<string, number> = {};
    for (const event of unseen) {
      bySubject[event.subject] = (bySubject[event.subject] ?? 0) + 1;
    }
    const listed = (options.unseen ? unseen : this.events)
      .filter(e => e.id > (options.after ?? 0))
      .reverse()
      .slice(0, options.limit ?? 100);
    return {
      alerts: listed,
      unseen: unseen.length,
      unseen_by_subject: bySubject,
      latest_id: this.events.length
    };
  }

  async markSeen(ids: number[]): Promise<{ marked: number; unseen: number }> {
    this.marked.push(ids);
    for (const event of this.events) {
      if (ids.includes(event.id)) {
        event.seen_at = 1;
      }
    }
    return { marked: ids.length, unseen: this.events.filter(e => e.seen_at === null).length };
  }
}

describe('DriftAlertsModel', () => {
  let model: DriftAlertsModel | null = null;
  afterEach(() => model?.dispose());

  function watch(feed: AlertFeed) {
    model = new DriftAlertsModel({ api: feed, interval: 60_000 });
    const arrived: number[][] = [];
    model.arrived.connect((_, alerts) => arrived.push(alerts.map(a => a.id)));
    return { model, arrived };
  }

  it('announces waiting alerts once, oldest first, then only new ones', async () => {
    const feed = new AlertFeed();
    feed.add('churn');
    feed.add('fraud');
    const { model, arrived } = watch(feed);
    await model.refresh();
    expect(arrived).toEqual([[1, 2]]);
    expect(model.unseen).toBe(2);
    expect(Object.fromEntries(model.unseenBySubject)).toEqual({ churn: 1, fraud: 1 });
    expect(model.latestSubject).toBe('fraud');

    await model.refresh();
    expect(arrived).toEqual([[1, 2]]);

    feed.add('churn');
    await model.refresh();
    expect(arrived).toEqual([[1, 2], [3]]);
    expect(model.unseenBySubject.get('churn')).toBe(2);
    expect(model.latestSubject).toBe('churn');
  });

  it('marks one subject seen and clears the latest subject when none is left', async () => {
    const feed = new AlertFeed();
    feed.add('churn');
    feed.add('fraud');
    feed.add('churn');
    const { model } = watch(feed);
    await model.refresh();

    await model.markSeen('churn');
    expect(feed.marked).toEqual([[3, 1]]);
    expect(model.unseen).toBe(1);
    expect(Object.fromEntries(model.unseenBySubject)).toEqual({ fraud: 1 });

    await model.markSeen();
    expect(model.unseen).toBe(0);
    expect(model.latestSubject).toBeNull();
  });

  it('sends nothing to mark when there is nothing to mark', async () => {
    const feed = new AlertFeed();
    const { model, arrived } = watch(feed);
    await model.refresh();
    await model.markIdsSeen([]);
    await model.markSeen('churn');
    expect(feed.marked).toEqual([]);
    expect(arrived).toEqual([]);
    expect(model.unseen).toBe(0);
  });

  it('polls no faster than once a second', () => {
    const { model } = watch(new AlertFeed());
    model.interval = 10;
    expect(model.interval).toBe(1000);
    model.interval = 30_000;
    expect(model.interval).toBe(30_000);
  });
});
