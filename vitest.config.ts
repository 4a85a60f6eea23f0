import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper shared with scripts/run.mjs
import { APPS_MODULE_ID, appsModuleSource } from './scripts/apps-module.mjs';

export default defineConfig({
  plugins: [
    {
      // The same `virtual:apps` module the esbuild runner provides: one import per apps/*.ts file.
      name: 'apps',
      resolveId: (id: string) => (id === APPS_MODULE_ID ? `\0${APPS_MODULE_ID}` : undefined),
      load: (id: string) => (id === `\0${APPS_MODULE_ID}` ? appsModuleSource(import.meta.dirname) : undefined),
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Real-helm suites run with `npm run test:helm` (vitest.helm.config.ts): the first run builds helm.
    exclude: ['test/helm/**', '**/node_modules/**'],
    // The JSON results let .ci/run print the `N passed, N failed` line CI reads.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
