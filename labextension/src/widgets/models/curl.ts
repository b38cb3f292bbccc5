/**
 * The `curl` example of a served version: one row of its training columns, ready to paste.
 */
export type Feature = { name: string; dtype: string };

/** A `curl` call of `URL/invocations` with one row of the training columns (or a generic row). */
export function curlExample(url: string, features: Feature[]): string {
  const columns = features.length ? features.map(f => f.name) : ['feature_1', 'feature_2'];
  const row = features.length ? features.map(f => exampleValue(f.dtype)) : [0.5, 1];
  const body = JSON.stringify({ dataframe_split: { columns, data: [row] } });
  // the body sits in single quotes for the shell: a quote inside a column name is closed, escaped, reopened
  return (
    `curl -X POST ${url}/invocations -H 'Content-Type: application/json' ` +
    `-d '${body.replace(/'/g, "'\\''")}'`
  );
}

function exampleValue(dtype: string): number | string | boolean {
  if (/^(u?int|float)/.test(dtype)) {
    return 0;
  }
  return dtype === 'bool' ? false : 'a';
}
