/**
 * plotly.js-basic-dist-min ships no types: it is the same plotly.js API as the full
 * bundle (same version), with fewer trace types registered.
 */
declare module 'plotly.js-basic-dist-min' {
  export * from 'plotly.js-dist-min';
}
