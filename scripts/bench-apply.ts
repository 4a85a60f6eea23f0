// `npm run bench-apply [-- --sizes 0,10,30,60]`: times `npm run apply` against the local control
// plane (kube-apiserver, kube-controller-manager and etcd of the pinned version, built by
// scripts/build-control-plane.sh, with the cluster suite's stand-ins for the kubelet and the
// operators: test/cluster/harness.ts), for the fixture platform plus N generated apps: the first
// apply, a no-op re-apply, a re-apply after one app changed, and `--drift`; side by side, in the
// same run, plain `kubectl apply --server-side -f <phase>/` of the same files (the first apply on a
// fresh control plane, phase by phase with the CRD waits it needs; the re-apply, which writes every
// object). Results and method: docs/performance.md.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitWith, parseCommandLine } from '../lib/cli';
import { PHASES } from '../lib/render';
import { appFile } from '../test/helpers';
import { applyAsDeployer, renderDist, startTestCluster, type TestCluster } from '../test/cluster/harness';
import { benchAppSpec } from './bench/apps';

const { values: args } = parseCommandLine(
  'bench-apply',
  { usage: 'npm run bench-apply -- [--sizes 0,10,30,60]', about: 'Times npm run apply (first, no-op, one app changed, --drift) against plain kubectl on the local control plane (docs/performance.md).' },
  { sizes: { type: 'string', default: '0,10,30,60' } },
);
if (!/^\d+(,\d+)*$/.test(args.sizes!)) exitWith('bench-apply', `--sizes: got ${JSON.stringify(args.sizes)}, expected whole numbers, comma-separated`, 2);
const sizes = args.sizes!.split(',').map(Number);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const objectsIn = (dist: string) => PHASES.flatMap((p) => { try { return readdirSync(join(dist, p)).map((f) => readFileSync(join(dist, p, f), 'utf8')); } catch { return []; } }).reduce((n, t) => n + t.split(/^---$/m).length, 0);

async function timed(what: string, run: () => Promise<{ status: number | null; stderr?: string; stdout?: string }>): Promise<number> {
  const started = Date.now();
  const r = await run();
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  return Date.now() - started;
}

/** Plain kubectl, phase by phase, as the floor: every object written, no prune, no waits but the CRDs a phase needs. */
function plainKubectl(cluster: TestCluster, dist: string): { status: number; stderr: string } {
  const kubectl = (a: string[]) => spawnSync(join(cluster.binDir, 'kubectl'), a, { env: cluster.env, encoding: 'utf8' });
  for (const phase of PHASES) {
    try { readdirSync(join(dist, phase)); } catch { continue; }
    const r = kubectl(['apply', '--server-side', '--field-manager=plain-kubectl', '--force-conflicts', '-f', join(dist, phase)]);
    if (r.status !== 0) return { status: r.status ?? 1, stderr: r.stderr };
    if (phase === '02-helm-charts') {
      // The custom resources of 03 and 04 need their CRDs, which the (stand-in) charts install.
      for (const crd of ['clusterissuers.cert-manager.io', 'externalsecrets.external-secrets.io', 'clusters.postgresql.cnpg.io', 'replicationsources.volsync.backube']) {
        const w = kubectl(['wait', '--for=condition=Established', '--timeout=300s', `crd/${crd}`]);
        if (w.status !== 0) kubectl(['wait', '--for=create', '--timeout=300s', `crd/${crd}`]);
      }
    }
  }
  return { status: 0, stderr: '' };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const n of sizes) {
    const apps = Array.from({ length: n }, (_, i) => appFile(`app-${i}`, benchAppSpec(i)));
    const dist = renderDist(apps);
    const objects = objectsIn(dist);
    console.error(`${n} extra apps (${objects} objects):`);
    const cluster = await startTestCluster(dist);
    let first: number, noop: number, changed: number, drift: number;
    try {
      first = await timed('first apply', () => applyAsDeployer(cluster, dist, []));
      noop = await timed('no-op re-apply', () => applyAsDeployer(cluster, dist, []));
      // One app changes (its image), as a Renovate bump would.
      const file = join(dist, n ? '04-apps/app-app-0.yaml' : '04-apps/app-fx-site.yaml');
      const changedFile = readdirSync(join(dist, '05-rollouts')).includes(file.split('/').pop()!) ? file.replace('04-apps', '05-rollouts') : file;
      writeFileSync(changedFile, readFileSync(changedFile, 'utf8').replace(/(image: \S+?):([\w.-]+)\n/, '$1:$2-bench\n'));
      changed = await timed('re-apply, one app changed', () => applyAsDeployer(cluster, dist, []));
      drift = await timed('--drift', () => applyAsDeployer(cluster, dist, ['--drift']));
    } finally {
      await cluster.stop();
    }
    const plain = await startTestCluster(dist);
    let plainFirst: number, plainAgain: number;
    try {
      plainFirst = await timed('plain kubectl first apply', async () => plainKubectl(plain, dist));
      plainAgain = await timed('plain kubectl re-apply', async () => plainKubectl(plain, dist));
    } finally {
      await plain.stop();
    }
    rows.push(`| ${n} | ${objects} | ${seconds(first)} | ${seconds(noop)} | ${seconds(changed)} | ${seconds(drift)} | ${seconds(plainFirst)} | ${seconds(plainAgain)} |`);
    console.error(rows.at(-1));
  }
  console.log('| extra apps | objects | first apply | no-op re-apply | one app changed | `--drift` | plain kubectl first apply | plain kubectl re-apply |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  process.exit(0);
}

void main().catch((error) => exitWith('bench-apply', (error as Error).message.split('\n').slice(0, 6).join('\n'), 2));
