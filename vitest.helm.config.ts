import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/*
 * `npm run test:helm`: the suites that run a real helm (v3 and v4, built from the official Go
 * modules by scripts/build-helm.sh and cached outside the repository; the first run on a machine
 * takes minutes, later runs seconds). Without Go and without a cached build they fail, in one line.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/helm/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    reporters: ['default', ['json', { outputFile: '.cache/vitest-helm-results.json' }]],
    hookTimeout: 30 * 60_000,
  },
});
