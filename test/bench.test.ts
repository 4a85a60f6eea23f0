import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';

// Not a timing assertion (times live in docs/performance.md): this keeps `npm run bench` working.
test('the benchmark runs end to end and reports every size it was asked for', () => {
  const out = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/bench.ts', '--sizes', '0,3', '--runs', '1', '--no-stock', '--no-kustomize', '--json'], { encoding: 'utf8' });
  const report = JSON.parse(out);
  // Each size: synth, and the yaml library writing the same objects (byte-identical, or the bench throws).
  expect(report.results.map((r: any) => [r.path, r.apps])).toEqual([
    ['synth', 0],
    ['yaml-library', 0],
    ['synth', 3],
    ['yaml-library', 3],
  ]);
  const [platform, library, withApps] = report.results;
  expect(library.objects).toBe(platform.objects);
  expect(report.targets.synthOverYamlLibrary).toBeGreaterThan(0);
  expect(platform.objects).toBeGreaterThan(15);
  // Each generated app adds its namespace, quota, limit range, workload, service, ingress and policies.
  expect(withApps.objects - platform.objects).toBeGreaterThanOrEqual(3 * 8);
  expect(platform.peakRssMiB).toBeGreaterThan(10);
});
