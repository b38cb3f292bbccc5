/**
 * The Drift panel's "Alert rules" card: the rules that apply to the selected
 * subject, and an inline form that adds one (the server validates it).
 */
import * as React from 'react';

import { IDriftRule } from '../../tokens';
import { longStatistic } from './format';
import {
  ALL_SUBJECTS,
  emptyDraft,
  IRuleDraft,
  ruleCondition,
  RulesModel,
  windowCount
} from './rules';

export function RulesCard(props: { model: RulesModel }): JSX.Element {
  const { model } = props;
  const statistics = model.data?.statistics ?? [];
  const [open, setOpen] = React.useState(false);
  const [draft, setDraft] = React.useState<IRuleDraft | null>(null);
  const toggle = React.useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    setDraft(null);
    model.clearSubmitError();
    toggle.current?.focus(); // the focused field goes away with the form
  };
  const current = draft ?? emptyDraft(statistics);
  return (
    <section className="jp-nbops-DriftCard jp-nbops-DriftRules" aria-label="Alert rules">
      <header>
        <h3>
          Alert rules <span className="jp-nbops-DriftCard-sub">· {model.subject ?? '—'}</span>
        </h3>
        <button
          ref={toggle}
          className="jp-mod-styled jp-nbops-DriftRules-toggle"
          aria-expanded={open}
          disabled={model.data === null}
          onClick={() => (open ? close() : setOpen(true))}
        >
          {open ? 'Close form' : 'Add rule'}
        </button>
      </header>
      {open && (
        <RuleForm
          model={model}
          draft={current}
          statistics={statistics}
          onChange={setDraft}
          onCancel={close}
          onSubmit={async () => {
            if (await model.add(current)) {
              close();
            }
          }}
        />
      )}
      <RulesList model={model} />
    </section>
  );
}

function RulesList(props: { model: RulesModel }): JSX.Element {
  const { model } = props;
  const data = model.data;
  if (model.state === 'error' && data === null) {
    return (
      <div className="jp-nbops-DriftMessage jp-mod-error" role="alert">
        Cannot load the alert rules: {model.error}
        <button className="jp-mod-styled" onClick={() => void model.reload()}>
          Retry
        </button>
      </div>
    );
  }
  if (data === null) {
    return <div className="jp-nbops-DriftMessage">Loading alert rules…</div>;
  }
  if (data.rules.length === 0) {
    return <div className="jp-nbops-DriftMessage">No alert rules apply to {data.subject}.</div>;
  }
  return (
    <div className="jp-nbops-DriftRules-scroll">
      <table
        className="jp-nbops-Table jp-nbops-DriftRules-table"
        aria-label={`Alert rules of ${data.subject}`}
      >
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Fires when</th>
            <th scope="col">Consecutive</th>
            <th scope="col">Cooldown</th>
            <th scope="col">Features</th>
            <th scope="col">Webhook</th>
            <th scope="col">Applies to</th>
          </tr>
        </thead>
        <tbody>
          {data.rules.map(rule => (
            <RuleRow key={`${rule.id ?? 'default'}:${rule.subject}:${rule.name}`} rule={rule} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RuleRow(props: { rule: IDriftRule }): JSX.Element {
  const { rule } = props;
  return (
    <tr data-rule={rule.name} data-statistic={rule.statistic}>
      <td className="jp-nbops-DriftRules-name">
        <span title={rule.name}>{rule.name}</span>
        {rule.default && (
          <span
            className="jp-nbops-DriftRules-chip"
            title="Built in: applies while no rule is stored for this subject or all subjects"
          >
            default
          </span>
        )}
        {rule.retrain && (
          <span
            className="jp-nbops-DriftRules-chip jp-mod-retrain"
            title={
              `Retrains ${rule.retrain.package} (${rule.retrain.target}) with ${rule.retrain.param} = ` +
              `the drifted window's data, at most once every ${rule.retrain.every_minutes} min`
            }
          >
            retrains
          </span>
        )}
      </td>
      <td title={longStatistic(rule.statistic)}>{ruleCondition(rule)}</td>
      <td>{windowCount(rule.consecutive)}</td>
      <td>{rule.cooldown === 0 ? 'none' : windowCount(rule.cooldown)}</td>
      <td className="jp-nbops-DriftRules-features">
        {rule.features === null ? (
          <span className="jp-nbops-DriftRules-muted">all features</span>
        ) : (
          <span title={rule.features.join(', ')}>{rule.features.join(', ')}</span>
        )}
      </td>
      <td>{rule.webhook ?? <span className="jp-nbops-DriftRules-muted">none</span>}</td>
      <td>
        {rule.subject === ALL_SUBJECTS ? (
          <span className="jp-nbops-DriftRules-chip jp-mod-all">all subjects</span>
        ) : (
          rule.subject
        )}
      </td>
    </tr>
  );
}

interface IRuleFormProps {
  model: RulesModel;
  draft: IRuleDraft;
  statistics: string[];
  onChange: (draft: IRuleDraft) => void;
  onCancel: () => void;
  onSubmit: () => Promise<void>;
}

/** The inline form; validation is the server's, so the browser's own is off (noValidate). */
function RuleForm(props: IRuleFormProps): JSX.Element {
  const { model, draft, statistics, onChange } = props;
  const set =
    (field: keyof IRuleDraft) =>
    (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
      const target = event.currentTarget;
      const value =
        target instanceof HTMLInputElement && target.type === 'checkbox'
          ? target.checked
          : target.value;
      onChange({ ...draft, [field]: value });
    };
  const errorId = React.useId();
  const submit = React.useRef<HTMLButtonElement>(null);
  const form = React.useRef<HTMLFormElement>(null);
  const wasSubmitting = React.useRef(false);
  React.useEffect(() => {
    // The disabled submit lost focus while posting: give it back after a 400
    // (once re-rendered enabled), so the keyboard stays in the form.
    const node = form.current;
    if (
      wasSubmitting.current &&
      !model.submitting &&
      node &&
      !node.contains(document.activeElement)
    ) {
      submit.current?.focus();
    }
    wasSubmitting.current = model.submitting;
  });
  return (
    <form
      className="jp-nbops-DriftRules-form"
      aria-label="Add alert rule"
      noValidate
      ref={form}
      onSubmit={event => {
        event.preventDefault();
        void props.onSubmit();
      }}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <div className="jp-nbops-DriftRules-fields">
        <label>
          <span>Statistic</span>
          <select value={draft.statistic} onChange={set('statistic')} autoFocus>
            {statistics.map(s => (
              <option key={s} value={s}>
                {s === 'tier' ? 'Tier (1 = warn, 2 = drift)' : longStatistic(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Threshold</span>
          <NumberInput
            mode="decimal"
            placeholder={draft.statistic === 'tier' ? '2' : '0.2'}
            value={draft.threshold}
            onChange={set('threshold')}
          />
        </label>
        <label>
          <span>Consecutive windows</span>
          <NumberInput
            mode="numeric"
            placeholder="1"
            value={draft.consecutive}
            onChange={set('consecutive')}
          />
        </label>
        <label>
          <span>Cooldown windows</span>
          <NumberInput
            mode="numeric"
            placeholder="0"
            value={draft.cooldown}
            onChange={set('cooldown')}
          />
        </label>
        <label className="jp-nbops-DriftRules-wide">
          <span>Features</span>
          <input
            type="text"
            placeholder="all features (or e.g. age, plan)"
            value={draft.features}
            onChange={set('features')}
          />
        </label>
        <label className="jp-nbops-DriftRules-wide">
          <span>Name</span>
          <input
            type="text"
            placeholder="optional, e.g. psi>=0.2"
            value={draft.name}
            onChange={set('name')}
          />
        </label>
        <label className="jp-nbops-DriftRules-wide">
          <span>Webhook</span>
          <input
            type="text"
            placeholder="optional: a name from the server's c.Nbops.webhooks"
            value={draft.webhook}
            onChange={set('webhook')}
          />
        </label>
      </div>
      <div className="jp-nbops-DriftRules-actions">
        <label className="jp-nbops-DriftRules-check">
          <input type="checkbox" checked={draft.allSubjects} onChange={set('allSubjects')} />
          Apply to all subjects
        </label>
        <span className="jp-nbops-DriftMonitor-spacer" />
        <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          ref={submit}
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={model.submitting}
          aria-describedby={model.submitError ? errorId : undefined}
        >
          {model.submitting ? 'Saving…' : 'Save rule'}
        </button>
      </div>
      {model.submitError && (
        <div id={errorId} className="jp-nbops-DriftRules-error" role="alert">
          {model.submitError}
        </div>
      )}
    </form>
  );
}

/**
 * A number field that keeps what was typed. A type="number" input reports ''
 * for text it cannot parse (e.g. `1e999`), so the server would quote a blank
 * instead of the user's value; here the server sees, and names, the real text.
 */
function NumberInput(props: {
  mode: 'decimal' | 'numeric';
  placeholder: string;
  value: string;
  onChange: (event: React.ChangeEvent<HTMLInputElement>) => void;
}): JSX.Element {
  return (
    <input
      type="text"
      inputMode={props.mode}
      autoComplete="off"
      spellCheck={false}
      placeholder={props.placeholder}
      value={props.value}
      onChange={props.onChange}
    />
  );
}
