/** The run's parameters as a key/value table. */
import * as React from 'react';

import { Empty, Section } from './Section';

export function ParamsSection(props: { params: Record<string, string> }): JSX.Element {
  const entries = Object.entries(props.params).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Section id="params" title="Parameters" badge={entries.length}>
      {entries.length === 0 ? (
        <Empty>No parameters were logged.</Empty>
      ) : (
        <table className="jp-nbops-Table jp-nbops-KeyValueTable" aria-label="Parameters">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td>
                  <code>{value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
