import { defineConfig } from 'vitest/config';
import { appsPlugin } from './vitest.config';

/*
 * `npm run test:cluster`: the suites that run against a real control plane (etcd, kube-apiserver,
 * kube-controller-manager built from the official Go modules; test/cluster/control-plane.ts). One
 * file at a time: each starts its own control plane, and the machine has two cores.
 */
export default defineConfig({
  plugins: [appsPlugin],
  test: {
    include: ['test/cluster/**/*.test.ts'],
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: '.cache/vitest-cluster-results.json' }]],
    // The first run on a machine builds the binaries (scripts/build-control-plane.sh) in beforeAll.
    hookTimeout: 60 * 60_000,
    testTimeout: 10 * 60_000,
  },
});
