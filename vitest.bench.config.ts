import { defineConfig } from 'vitest/config';
import { appsPlugin } from './vitest.config';

/* `npm run bench-apply` (scripts/bench-apply.ts): measurements against the local control plane, never part of a test run. */
export default defineConfig({
  plugins: [appsPlugin],
  test: {
    include: ['test/bench/**/*.bench.ts'],
    fileParallelism: false,
    hookTimeout: 60 * 60_000,
    testTimeout: 3 * 60 * 60_000,
  },
});
