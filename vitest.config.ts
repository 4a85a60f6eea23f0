import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper shared with scripts/run.mjs
import { APPS_MODULE_ID, appsModuleSource } from './scripts/apps-module.mjs';

// Every suite runs offline, so no test process makes a TLS connection; but Node 20 reads and parses
// the whole NODE_EXTRA_CA_CERTS bundle when it starts (60 ms of CPU per process on a machine that sets
// it; Node 22 and later read it on first use). The workers and the ~60 processes the suites spawn
// inherit this environment. Shared by the cluster and helm configs, which import this file.
delete process.env.NODE_EXTRA_CA_CERTS;

/** The `virtual:apps` plugin, shared with vitest.cluster.config.ts. */
export const appsPlugin = {
  // The same `virtual:apps` module the esbuild runner provides: one import per apps/*.ts file.
  name: 'apps',
  resolveId: (id: string) => (id === APPS_MODULE_ID ? `\0${APPS_MODULE_ID}` : undefined),
  load: (id: string) => (id === `\0${APPS_MODULE_ID}` ? appsModuleSource(import.meta.dirname) : undefined),
};

export default defineConfig({
  plugins: [appsPlugin],
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that need real components built from Go run on their own (the first run builds them):
    // `npm run test:cluster` (a control plane) and `npm run test:helm` (helm).
    exclude: ['test/cluster/**', 'test/helm/**', '**/node_modules/**'],
    // The JSON results let .ci/run print the `N passed, N failed` line CI reads.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
    // Test files share their worker's module cache (cdk8s, the imports/ types and the charts load once
    // per worker, not once per file): none of them changes module state it does not restore.
    isolate: false,
    // One worker per core (vitest leaves one core idle by default): half the suite's time is in
    // processes it spawns, which overlap with the other worker's tests. 34 s -> 24 s on 2 cores.
    maxWorkers: Math.max(2, availableParallelism()),
    experimental: { fsModuleCache: true },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
