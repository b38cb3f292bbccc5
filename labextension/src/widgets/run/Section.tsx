/** A collapsible section of the run detail panel, open by default. */
import * as React from 'react';

export interface ISectionProps {
  id: string;
  title: string;
  /** Shown after the title, e.g. a count. */
  badge?: string | number;
  open?: boolean;
  children: React.ReactNode;
}

export function Section(props: ISectionProps): JSX.Element {
  const headingId = `jp-nbops-section-${props.id}`;
  return (
    <details className="jp-nbops-Section" data-section={props.id} open={props.open ?? true}>
      <summary className="jp-nbops-Section-summary">
        <h3 id={headingId} className="jp-nbops-Section-title">
          {props.title}
        </h3>
        {props.badge !== undefined && <span className="jp-nbops-Section-badge">{props.badge}</span>}
      </summary>
      <section className="jp-nbops-Section-body" aria-labelledby={headingId}>
        {props.children}
      </section>
    </details>
  );
}

/** A quiet line standing in for an empty list. */
export function Empty(props: { children: React.ReactNode }): JSX.Element {
  return <p className="jp-nbops-Empty">{props.children}</p>;
}
