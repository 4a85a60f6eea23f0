// `npm run bench-apply [-- --sizes 0,10,30,60]`: times `npm run apply` against the local control
// plane (kube-apiserver, kube-controller-manager and etcd of the pinned version, built by
// scripts/build-control-plane.sh, with the cluster suite's stand-ins for the kubelet and the
// operators), for the fixture platform plus N generated apps: the first apply, a no-op re-apply, a
// re-apply after one app changed, and `--drift`; side by side, in the same run, plain `kubectl apply
// --server-side -f <phase>/` of the same files (the first apply on a fresh control plane, phase by
// phase with the CRD waits it needs; the re-apply, which writes every object). The body is
// test/bench/apply.bench.ts, run by vitest for the harness' fixtures. Results: docs/performance.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWith, parseCommandLine } from '../lib/cli';

const { values: args } = parseCommandLine(
  'bench-apply',
  { usage: 'npm run bench-apply -- [--sizes 0,10,30,60]', about: 'Times npm run apply (first, no-op, one app changed, --drift) against plain kubectl on the local control plane (docs/performance.md).' },
  { sizes: { type: 'string', default: '0,10,30,60' } },
);
if (!/^\d+(,\d+)*$/.test(args.sizes!)) exitWith('bench-apply', `--sizes: got ${JSON.stringify(args.sizes)}, expected whole numbers, comma-separated`, 2);
const out = join(mkdtempSync(join(tmpdir(), 'hobby-bench-apply-')), 'table.md');
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.bench.config.ts'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BENCH_SIZES: args.sizes, BENCH_OUT: out } });
if (r.status !== 0) exitWith('bench-apply', `the measurement failed (exit ${r.status}); its output is above`, 2);
process.stdout.write(readFileSync(out, 'utf8'));
