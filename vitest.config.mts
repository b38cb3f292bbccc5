// Unit tests of the pure frontend modules (no DOM, no JupyterLab app).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['labextension/test/**/*.spec.ts'],
    environment: 'node',
    // Dates are written in local time: pin the zone so expectations hold anywhere.
    env: { TZ: 'UTC' }
  }
});
