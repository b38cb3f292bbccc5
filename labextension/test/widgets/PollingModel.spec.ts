import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { PollingModel } from '../../src/widgets/PollingModel';

/** A model whose tick records when it ran and fails while `failing` is set. */
class Counter extends PollingModel {
  ticks: number[] = [];
  failing = false;
  shown = 0;

  protected async tick(): Promise<void> {
    this.ticks.push(Date.now());
    if (this.failing) {
      throw new Error('server down');
    }
    this.emitChanged();
  }

  protected onShow(): void {
    this.shown++;
  }

  get interval(): number {
    return this.pollInterval;
  }

  set interval(ms: number) {
    this.pollInterval = ms;
  }
}

/** A model with something to follow only while `following` is set (a running job). */
class Follower extends Counter {
  following = false;

  protected shouldPoll(): boolean {
    return this.following;
  }
}

/** Gaps between consecutive ticks, in ms. */
function gaps(ticks: number[]): number[] {
  return ticks.slice(1).map((t, i) => t - ticks[i]);
}

describe('PollingModel', () => {
  let model: Counter;

  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    model.dispose();
    vi.useRealTimers();
  });

  it('does not tick while its view is hidden', async () => {
    model = new Counter({ interval: 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.ticks).toHaveLength(0);
  });

  it('ticks at once when shown, then every interval', async () => {
    model = new Counter({ interval: 1000 });
    model.visible = true;
    await vi.advanceTimersByTimeAsync(3500);
    expect(model.shown).toBe(1);
    expect(model.ticks).toHaveLength(4);
    expect(gaps(model.ticks)).toEqual([1000, 1000, 1000]);
  });

  it('sleeps again once hidden', async () => {
    model = new Counter({ interval: 1000 });
    model.visible = true;
    await vi.advanceTimersByTimeAsync(1500);
    const seen = model.ticks.length;
    model.visible = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.ticks.length).toBeLessThanOrEqual(seen + 1);
  });

  it("polls from construction on with when: 'always', visible or not", async () => {
    model = new Counter({ interval: 1000, when: 'always' });
    await vi.advanceTimersByTimeAsync(3500);
    expect(model.ticks.length).toBeGreaterThanOrEqual(3);
  });

  it('emits changed from a tick', async () => {
    model = new Counter({ interval: 1000 });
    const seen = vi.fn();
    model.changed.connect(seen);
    model.visible = true;
    await vi.advanceTimersByTimeAsync(10);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('stops for good on dispose, and dispose twice is harmless', async () => {
    model = new Counter({ interval: 1000 });
    model.visible = true;
    await vi.advanceTimersByTimeAsync(1500);
    const seen = model.ticks.length;
    model.dispose();
    model.dispose();
    expect(model.isDisposed).toBe(true);
    model.visible = false;
    model.visible = true;
    await model.refresh();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.ticks).toHaveLength(seen);
  });

  it('refresh ticks now and resolves once the tick is over', async () => {
    model = new Counter({ interval: 60_000 });
    model.visible = true;
    await vi.advanceTimersByTimeAsync(10);
    expect(model.ticks).toHaveLength(1);
    const refreshed = model.refresh();
    await vi.advanceTimersByTimeAsync(10);
    await refreshed;
    expect(model.ticks).toHaveLength(2);
  });

  it('backs off after failed ticks up to maxInterval, and recovers', async () => {
    model = new Counter({ interval: 1000, maxInterval: 8000 });
    model.failing = true;
    model.visible = true;
    await vi.advanceTimersByTimeAsync(60_000);
    // lumino's back-off: each wait is drawn between the interval and 3x the last one
    const failing = gaps(model.ticks);
    expect(Math.max(...failing)).toBeLessThanOrEqual(8000);
    expect(failing.slice(-3).every(gap => gap > 1000)).toBe(true);
    expect(model.ticks.length).toBeLessThan(30);
    model.failing = false;
    model.ticks = [];
    await vi.advanceTimersByTimeAsync(20_000);
    expect(gaps(model.ticks).slice(1)).toEqual(
      gaps(model.ticks)
        .slice(1)
        .map(() => 1000)
    );
  });

  it('keeps its interval after failures when it has no maxInterval', async () => {
    model = new Counter({ interval: 1000 });
    model.failing = true;
    model.visible = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(model.ticks.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...gaps(model.ticks))).toBeLessThanOrEqual(1000);
  });

  it('takes a new interval at the next tick', async () => {
    model = new Counter({ interval: 1000 });
    model.visible = true;
    await vi.advanceTimersByTimeAsync(10);
    model.interval = 4000;
    expect(model.interval).toBe(4000);
    model.ticks = [];
    await vi.advanceTimersByTimeAsync(20_000);
    expect(
      gaps(model.ticks)
        .slice(1)
        .every(gap => gap === 4000)
    ).toBe(true);
  });

  it('stands by while shouldPoll is false, and follows once it holds', async () => {
    const follower = new Follower({ interval: 1000, when: 'always' });
    model = follower;
    await vi.advanceTimersByTimeAsync(5000);
    expect(follower.ticks).toHaveLength(0);
    follower.following = true;
    await vi.advanceTimersByTimeAsync(3500);
    expect(follower.ticks.length).toBeGreaterThanOrEqual(3);
    expect(gaps(follower.ticks).every(gap => gap === 1000)).toBe(true);
    follower.following = false;
    const seen = follower.ticks.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(follower.ticks).toHaveLength(seen);
  });

  it('refresh ticks once even with nothing to follow, then stands by again', async () => {
    const follower = new Follower({ interval: 1000, when: 'always' });
    model = follower;
    const refreshed = follower.refresh();
    await vi.advanceTimersByTimeAsync(10);
    await refreshed;
    expect(follower.ticks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(follower.ticks).toHaveLength(1);
  });

  it('a hidden view stays asleep whatever shouldPoll says, refresh included', async () => {
    const follower = new Follower({ interval: 1000 });
    model = follower;
    follower.following = true;
    const refreshed = follower.refresh();
    await vi.advanceTimersByTimeAsync(10_000);
    await refreshed;
    expect(follower.ticks).toHaveLength(0);
    follower.visible = true;
    await vi.advanceTimersByTimeAsync(2500);
    expect(follower.ticks).toHaveLength(3);
  });
});
