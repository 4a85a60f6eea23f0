import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { PHASES } from '../../lib/render';
import { benchAppSpec } from '../../scripts/bench/apps';
import { fixtureApps } from '../fixtures/apps';
import { appFile } from '../helpers';
import { applyAsDeployer, renderDist, startTestCluster, type TestCluster } from '../cluster/harness';

/*
 * The body of `npm run bench-apply` (scripts/bench-apply.ts runs it through vitest.bench.config.ts,
 * which provides the fixtures' `virtual:apps` and import.meta.glob): `npm run apply` against the
 * local control plane and the cluster suite's stand-ins (test/cluster/harness.ts), for the fixture
 * platform and apps plus N generated apps, beside plain `kubectl apply --server-side` of the same files.
 * A measurement, not a test: it fails only when an apply fails.
 */

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const objectsIn = (dist: string) => PHASES.flatMap((p) => { try { return readdirSync(join(dist, p)).map((f) => readFileSync(join(dist, p, f), 'utf8')); } catch { return []; } }).reduce((n, t) => n + t.split(/^---$/m).length, 0);

async function timed(what: string, run: () => Promise<{ status: number | null; stderr?: string; stdout?: string }>): Promise<number> {
  const started = Date.now();
  const r = await run();
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  return Date.now() - started;
}

/** Plain kubectl, phase by phase, as the floor: every object written, no prune, no waits but the CRDs a phase needs. Asynchronous: the stand-ins play in this process. */
async function plainKubectl(cluster: TestCluster, dist: string): Promise<{ status: number; stderr: string }> {
  const kubectl = (a: string[]) =>
    new Promise<{ status: number; stderr: string }>((ok) => execFile(join(cluster.binDir, 'kubectl'), a, { env: cluster.env, maxBuffer: 64 << 20 }, (error, _out, stderr) => ok({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr })));
  for (const phase of PHASES) {
    if (!existsSync(join(dist, phase))) continue;
    const r = await kubectl(['apply', '--server-side', '--field-manager=plain-kubectl', '--force-conflicts', '-f', join(dist, phase)]);
    if (r.status !== 0) return r;
    if (phase === '02-helm-charts') {
      // The custom resources of 03 and 04 need their CRDs, which the (stand-in) charts install.
      for (const crd of ['clusterissuers.cert-manager.io', 'externalsecrets.external-secrets.io', 'clusters.postgresql.cnpg.io', 'replicationsources.volsync.backube']) {
        const created = await kubectl(['wait', '--for=create', '--timeout=300s', `crd/${crd}`]);
        if (created.status !== 0) return created;
        const established = await kubectl(['wait', '--for=condition=Established', '--timeout=300s', `crd/${crd}`]);
        if (established.status !== 0) return established;
      }
    }
  }
  return { status: 0, stderr: '' };
}

export async function benchApply(sizes: readonly number[]): Promise<string> {
  const rows: string[] = [];
  for (const n of sizes) {
    const apps = [...fixtureApps, ...Array.from({ length: n }, (_, i) => appFile(`app-${i}`, benchAppSpec(i)))];
    const dist = renderDist(apps);
    const objects = objectsIn(dist);
    console.error(`${n} extra apps (${objects} objects):`);
    const cluster = await startTestCluster(dist);
    let first: number, noop: number, changed: number, drift: number;
    try {
      first = await timed('first apply', () => applyAsDeployer(cluster, dist, []));
      noop = await timed('no-op re-apply', () => applyAsDeployer(cluster, dist, []));
      // One app changes (its image), as a Renovate bump would.
      const name = 'app-fx-site.yaml';
      const changedFile = ['05-rollouts', '04-apps'].map((p) => join(dist, p, name)).find((f) => existsSync(f) && /^kind: Deployment$/m.test(readFileSync(f, 'utf8')))!;
      writeFileSync(changedFile, readFileSync(changedFile, 'utf8').replace(/(image: \S+?):([\w.-]+)\n/, '$1:$2-bench\n'));
      changed = await timed('re-apply, one app changed', () => applyAsDeployer(cluster, dist, []));
      drift = await timed('--drift', () => applyAsDeployer(cluster, dist, ['--drift']));
    } finally {
      await cluster.stop();
    }
    const plain = await startTestCluster(dist);
    let plainFirst: number, plainAgain: number;
    try {
      plainFirst = await timed('plain kubectl first apply', () => plainKubectl(plain, dist));
      plainAgain = await timed('plain kubectl re-apply', () => plainKubectl(plain, dist));
    } finally {
      await plain.stop();
    }
    rows.push(`| ${n} | ${objects} | ${seconds(first)} | ${seconds(noop)} | ${seconds(changed)} | ${seconds(drift)} | ${seconds(plainFirst)} | ${seconds(plainAgain)} |`);
    console.error(rows.at(-1));
  }
  return ['| extra apps | objects | first apply | no-op re-apply | one app changed | `--drift` | plain kubectl first apply | plain kubectl re-apply |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}


test('apply timings', async () => {
  const sizes = (process.env.BENCH_SIZES ?? '0,10,30,60').split(',').map(Number);
  const table = await benchApply(sizes);
  writeFileSync(process.env.BENCH_OUT ?? '/dev/stdout', `${table}\n`);
}, 3 * 60 * 60_000);
