/** The datasets the run logged: name, role, size, digest, and where a copy is kept. */
import * as React from 'react';

import { IRunDataset } from '../../tokens';
import { Empty, Section } from './Section';

export function DatasetsSection(props: { datasets: IRunDataset[] }): JSX.Element {
  const { datasets } = props;
  return (
    <Section id="datasets" title="Datasets" badge={datasets.length}>
      {datasets.length === 0 ? (
        <Empty>
          No datasets. Log one with <code>nbops.log_dataset(df, name, role="train")</code>.
        </Empty>
      ) : (
        <table className="jp-nbops-Table jp-nbops-DatasetsTable" aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Rows</th>
              <th scope="col">Columns</th>
              <th scope="col">Digest</th>
              <th scope="col">Copy</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map(dataset => (
              <tr key={dataset.id} data-dataset={dataset.name}>
                <td>
                  <code>{dataset.name}</code>
                </td>
                <td>{dataset.role}</td>
                <td className="jp-mod-numeric">{count(dataset.rows)}</td>
                <td className="jp-mod-numeric">{count(dataset.columns)}</td>
                <td>
                  <code title={dataset.digest}>{dataset.digest.slice(0, 12)}</code>
                </td>
                <td>{copyOf(dataset)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function count(value: number | null): string {
  return value === null ? '—' : value.toLocaleString();
}

/** A parquet snapshot in the store, a file DVC keeps, or no copy (only the digest). */
function copyOf(dataset: IRunDataset): string {
  if (dataset.snapshot_sha256) {
    return 'parquet snapshot';
  }
  if (dataset.source) {
    return 'tracked by DVC';
  }
  return 'digest only';
}
