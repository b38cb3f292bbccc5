/**
 * The base of the models that keep a view fresh by polling the server. One lumino
 * `Poll` does the timing: it backs off after failed ticks, sleeps while the view is
 * hidden (or never, for app-wide watchers), stands by while the model has nothing to
 * follow (`shouldPoll`, e.g. no endpoint or job running) and stops for good on dispose,
 * so every model times its requests the same way.
 */
import { IDisposable } from '@lumino/disposable';
import { IPoll, Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

export namespace PollingModel {
  export interface IOptions {
    /** Milliseconds between ticks. */
    interval: number;
    /** After failed ticks the interval grows up to this; absent: no back-off. */
    maxInterval?: number;
    /**
     * `visible`: tick only while the view shows (and the browser tab is visible), the
     * default; `always`: from construction on, for watchers whose news matter anywhere.
     */
    when?: 'visible' | 'always';
    /** Name of the poll, for debugging. */
    name?: string;
  }
}

export abstract class PollingModel implements IDisposable {
  constructor(options: PollingModel.IOptions) {
    const always = options.when === 'always';
    this._maxInterval = options.maxInterval ?? null;
    this._poll = new Poll({
      auto: always,
      factory: () => this.tick(),
      name: options.name,
      standby: () => this._standby(always)
    });
    // Set after construction: the constructor would raise the ceiling to lumino's 30 s floor.
    this._poll.frequency = this._frequency(options.interval);
  }

  /** Emitted whenever anything the view shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Set by the view: while false, a `visible` poll sleeps. Showing ticks at once. */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible && !this.isDisposed) {
      this.onShow();
      void this._poll.start();
      void this._poll.refresh();
    }
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Tick now instead of at the next interval, and resolve once that tick is over. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (this._visible) {
      await this._poll.start();
    }
    this._forced = true;
    await this._poll.refresh();
    await this._poll.tick;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Fetch and apply what changed; a rejection counts as a failed tick (back-off). */
  protected abstract tick(): Promise<void>;

  /**
   * Whether the periodic ticks have anything to follow; while false the poll stands by
   * (no request) and asks again at each interval. `refresh()` ticks regardless, so a
   * model fetches once to learn whether there is anything to follow.
   */
  protected shouldPoll(): boolean {
    return true;
  }

  /** Called when the view shows again, before the tick that follows. */
  protected onShow(): void {
    // nothing by default
  }

  protected emitChanged(): void {
    this._changed.emit();
  }

  /** Milliseconds between ticks (before any back-off). */
  protected get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  protected set pollInterval(ms: number) {
    if (ms !== this._poll.frequency.interval) {
      this._poll.frequency = this._frequency(ms);
    }
  }

  /** lumino's standby for the next tick: true skips it (the timer goes on). */
  private _standby(always: boolean): boolean | 'when-hidden' {
    const forced = this._forced;
    this._forced = false;
    if (!always && !this._visible) {
      return true;
    }
    if (!forced && !this.shouldPoll()) {
      return true;
    }
    return always ? false : 'when-hidden';
  }

  private _frequency(interval: number): IPoll.Frequency {
    // Without back-off the ceiling never applies; it only has to stay above the interval.
    const max = Math.max(this._maxInterval ?? interval, interval);
    return { interval, backoff: this._maxInterval !== null, max };
  }

  private _changed = new Signal<this, void>(this);
  private _forced = false;
  private _maxInterval: number | null;
  private _poll: Poll;
  private _visible = false;
}
