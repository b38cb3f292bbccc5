/**
 * The "Alert rules" card's model: the rules that apply to the selected subject,
 * and adding one from the form. The server validates every field; the form's
 * text goes to it as typed when it is not a number, so its message names it.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { driftAPI } from '../../api';
import { IDriftRule, IDriftRuleRequest, IDriftRulesResponse, LoadState } from '../../tokens';
import { formatValue, longStatistic } from './format';

type API = Pick<typeof driftAPI, 'rules' | 'addRule'>;

/** Subject name of the rules that apply to every subject. */
export const ALL_SUBJECTS = '*';

/** What the user typed in the "Add rule" form. */
export interface IRuleDraft {
  statistic: string;
  threshold: string;
  consecutive: string;
  cooldown: string;
  /** Comma-separated; empty = every feature. */
  features: string;
  name: string;
  /** A webhook name from the server's configuration; empty = none. */
  webhook: string;
  allSubjects: boolean;
}

/** A fresh form: PSI when the server offers it, one window, no cooldown. */
export function emptyDraft(statistics: ReadonlyArray<string>): IRuleDraft {
  return {
    statistic: statistics.includes('psi') ? 'psi' : (statistics[0] ?? ''),
    threshold: '',
    consecutive: '1',
    cooldown: '0',
    features: '',
    name: '',
    webhook: '',
    allSubjects: false
  };
}

/** The POST body of a draft; blank counts are left to the server's defaults. */
export function draftToRequest(draft: IRuleDraft): IDriftRuleRequest {
  const features = draft.features
    .split(',')
    .map(f => f.trim())
    .filter(f => f.length > 0);
  const body: IDriftRuleRequest = {
    statistic: draft.statistic,
    // Blank goes as '' so the server's message quotes what the user left empty.
    threshold: numberOrText(draft.threshold) ?? '',
    features: features.length > 0 ? features : null,
    name: draft.name.trim(),
    webhook: draft.webhook.trim() || null
  };
  const consecutive = numberOrText(draft.consecutive);
  const cooldown = numberOrText(draft.cooldown);
  if (consecutive !== undefined) {
    body.consecutive = consecutive;
  }
  if (cooldown !== undefined) {
    body.cooldown = cooldown;
  }
  return body;
}

/** A finite number, the trimmed text when it is not one, undefined when blank. */
function numberOrText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** `PSI ≥ 0.300`; the tier statistic reads `tier ≥ drift` (1 = warn, 2 = drift). */
export function ruleCondition(rule: Pick<IDriftRule, 'statistic' | 'threshold'>): string {
  if (rule.statistic === 'tier') {
    const tier = rule.threshold >= 2 ? 'drift' : rule.threshold >= 1 ? 'warn' : 'ok';
    return `tier ≥ ${tier}`;
  }
  return `${longStatistic(rule.statistic)} ≥ ${formatValue(rule.threshold)}`;
}

/** `1 window`, `3 windows`. */
export function windowCount(n: number): string {
  return n === 1 ? '1 window' : `${n} windows`;
}

export class RulesModel implements IDisposable {
  constructor(options: { api?: API } = {}) {
    this._api = options.api ?? driftAPI;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get subject(): string | null {
    return this._subject;
  }

  /** Setting another subject reloads its rules and forgets a failed submission. */
  set subject(name: string | null) {
    if (name === this._subject) {
      return;
    }
    this._subject = name;
    this._data = null;
    this._submitError = null;
    void this.reload();
  }

  get state(): LoadState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  /** The rules of the current subject, or null before the first answer. */
  get data(): IDriftRulesResponse | null {
    return this._data;
  }

  get submitting(): boolean {
    return this._submitting;
  }

  /** The server's message for the last rejected rule. */
  get submitError(): string | null {
    return this._submitError;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  clearSubmitError(): void {
    if (this._submitError !== null) {
      this._submitError = null;
      this._changed.emit();
    }
  }

  async reload(): Promise<void> {
    const subject = this._subject;
    const token = ++this._request;
    if (subject === null) {
      this._state = 'ready';
      this._changed.emit();
      return;
    }
    this._state = 'loading';
    this._changed.emit();
    try {
      const data = await this._api.rules(subject);
      if (token !== this._request) {
        return; // another subject was chosen meanwhile
      }
      this._data = data;
      this._state = 'ready';
      this._error = null;
    } catch (error) {
      if (token !== this._request) {
        return;
      }
      this._state = 'error';
      this._error = (error as Error).message;
    }
    this._changed.emit();
  }

  /** Store the draft's rule; true when the server took it (the list is then current). */
  async add(draft: IRuleDraft): Promise<boolean> {
    const subject = this._subject;
    if (subject === null || this._submitting) {
      return false;
    }
    this._submitting = true;
    this._submitError = null;
    this._changed.emit();
    try {
      const target = draft.allSubjects ? ALL_SUBJECTS : subject;
      await this._api.addRule(target, draftToRequest(draft));
      return true;
    } catch (error) {
      this._submitError = (error as Error).message;
      return false;
    } finally {
      this._submitting = false;
      this._changed.emit();
      if (this._submitError === null) {
        // A '*' answer lists only '*' rules: re-read the subject's own view.
        void this.reload();
      }
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _api: API;
  private _subject: string | null = null;
  private _state: LoadState = 'loading';
  private _error: string | null = null;
  private _data: IDriftRulesResponse | null = null;
  private _submitting = false;
  private _submitError: string | null = null;
  private _request = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
