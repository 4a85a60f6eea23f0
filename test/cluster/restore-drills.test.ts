import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { drillRunnerAccess, RESTORE_DRILLS_NAMESPACE as NS, RUNNER_SERVICE_ACCOUNT } from '../../lib/constructs/drill-runner';
import { fixtureApps } from '../fixtures/apps';
import { applyAsDeployer, output, renderDist, runKubectl, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * The restore drills on the real API server (the harness's control plane, with the kubelet and
 * CloudNativePG stand-ins): the fixture apps fx-notes-api (a database) and fx-shop (a backed-up
 * volume) are applied as the deploy identity; the runner's Role is applied as the admin step says;
 * each drill's pod is admitted in restore-drills (Pod Security restricted, the quota); the runner
 * can do what its script needs there and nothing elsewhere; and the script itself runs against the
 * API server as the runner, with CloudNativePG played by the harness (Ready only) and PostgreSQL
 * played by a kubectl wrapper whose every line starts with `[stand-in postgres]` (no kubelet here
 * runs `kubectl exec`).
 */

let cluster: TestCluster;
let dist: string;
const apps = fixtureApps.filter((s) => ['apps/fx-notes-api.ts', 'apps/fx-shop.ts'].includes(s.file));
beforeAll(async () => {
  expect(apps).toHaveLength(2);
  ({ cluster, dist } = await startWithDist(renderDist(apps)));
});
afterAll(() => stopWithDist(cluster, dist));

const docs = (file: string) => parseAllDocuments(readFileSync(join(dist, file), 'utf8')).map((d) => d.toJS() as Record<string, any>);
const drills = () => docs('01-prerequisites/restore-drills.yaml');
const as = (sa: string) => `--as=system:serviceaccount:${NS}:${sa}`;
const can = (...args: string[]) => cluster.kubectl(['auth', 'can-i', as(RUNNER_SERVICE_ACCOUNT), ...args, '--quiet']) === '' ;

function canI(...args: string[]): boolean {
  try {
    return can(...args);
  } catch {
    return false;
  }
}

/** A kubeconfig holding a token of the runner's ServiceAccount, as its pod has one. */
function runnerKubeconfig(): string {
  const token = cluster.kubectl(['-n', NS, 'create', 'token', RUNNER_SERVICE_ACCOUNT, '--duration=1h']).trim();
  const admin = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8'));
  admin.users = [{ name: 'runner', user: { token } }];
  admin.contexts = [{ name: 'test', context: { cluster: 'test', user: 'runner', namespace: NS } }];
  const path = join(cluster.dir, 'runner-kubeconfig');
  writeFileSync(path, JSON.stringify(admin));
  return path;
}

describe('restore drills on the real API server', () => {
  it('are applied by the deploy identity under its admission policy, and the runner\'s Role by the admin', async () => {
    const r = await applyAsDeployer(cluster, dist, []);
    expect(r.status, output(r)).toBe(0);
    cluster.kubectl(['apply', '--server-side', '-f', '-'], drillRunnerAccess().map((o) => stringify(o)).join('---\n'));
    expect(cluster.kubectl(['-n', NS, 'get', 'cronjobs', '-o', 'name']).trim().split('\n').sort()).toEqual(['cronjob.batch/database-fx-notes-api', 'cronjob.batch/volume-fx-shop-api', 'cronjob.batch/volume-uptime-kuma']);
  });

  it('each drill\'s pod is admitted in restore-drills: Pod Security restricted, within the quota', () => {
    const cronJobs = drills().filter((d) => d.kind === 'CronJob');
    expect(cronJobs).toHaveLength(3);
    for (const c of cronJobs) {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${c.metadata.name}-try`, namespace: NS, labels: c.spec.jobTemplate.spec.template.metadata.labels }, spec: c.spec.jobTemplate.spec.template.spec };
      const out = cluster.kubectl(['create', '--dry-run=server', '-f', '-'], stringify(pod));
      expect(out).toContain('created (server dry run)');
    }
    // A pod that is not restricted is refused there.
    const root = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root', namespace: NS }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1', resources: { limits: { cpu: '10m', memory: '16Mi' } } }] } };
    expect(() => cluster.kubectl(['create', '--dry-run=server', '-f', '-'], stringify(root))).toThrow(/violates PodSecurity "restricted:latest"/);
  });

  it('the runner may run its drills in restore-drills and do nothing elsewhere', () => {
    for (const verb of ['create', 'get', 'list', 'watch', 'delete']) expect(canI(verb, 'clusters.postgresql.cnpg.io', '-n', NS), verb).toBe(true);
    expect(canI('create', 'pods', '--subresource=exec', '-n', NS)).toBe(true);
    expect(canI('get', 'pods', '--subresource=exec', '-n', NS)).toBe(true);
    expect(canI('get', 'pods', '-n', NS)).toBe(true);
    // Nothing it does not need in its own namespace: no pods, Secrets, Jobs, RBAC, no patching a Cluster.
    for (const [verb, what] of [['create', 'pods'], ['get', 'secrets'], ['list', 'secrets'], ['create', 'jobs'], ['patch', 'clusters.postgresql.cnpg.io'], ['create', 'rolebindings'], ['create', 'objectstores.barmancloud.cnpg.io']]) {
      expect(canI(verb!, what!, '-n', NS), `${verb} ${what}`).toBe(false);
    }
    // Nothing in an app's namespace, nor anywhere else.
    for (const ns of ['fx-notes-api', 'fx-shop', 'cnpg-system', 'kube-system']) {
      for (const [verb, what] of [['create', 'clusters.postgresql.cnpg.io'], ['delete', 'clusters.postgresql.cnpg.io'], ['get', 'clusters.postgresql.cnpg.io'], ['get', 'pods'], ['get', 'secrets'], ['create', 'persistentvolumeclaims']]) {
        expect(canI(verb!, what!, '-n', ns), `${verb} ${what} in ${ns}`).toBe(false);
      }
      expect(canI('create', 'pods', '--subresource=exec', '-n', ns), `exec in ${ns}`).toBe(false);
    }
    expect(canI('list', 'clusters.postgresql.cnpg.io', '--all-namespaces')).toBe(false);
    // The volume drills hold no token at all.
    for (const c of drills().filter((d) => d.kind === 'CronJob' && d.metadata.name.startsWith('volume-'))) expect(c.spec.jobTemplate.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('the quota admits one drill Cluster at a time: the API server itself serializes the drills', async () => {
    // The quota controller counts a CRD's objects once its discovery resync has found the resource
    // (minutes after the CRD appears; until then the API server refuses with "status unknown for
    // quota", which database-drill.sh waits out like a held slot).
    for (let i = 0; i < 420 && !cluster.kubectl(['-n', NS, 'get', 'resourcequota', 'restore-drills', '-o', 'jsonpath={.status.used}']).includes('count/clusters'); i++) await new Promise((r) => setTimeout(r, 1000));
    const clusters = drills().find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'restore-drill-clusters')!;
    const env = { ...cluster.env, KUBECONFIG: runnerKubeconfig() };
    const first = parseAllDocuments(clusters.data['fx-notes-api.yaml'])[0]!.toJS();
    runKubectl(env, ['create', '-f', '-'], stringify(first));
    const second = { ...first, metadata: { ...first.metadata, name: 'drill-other' } };
    expect(() => runKubectl(env, ['create', '-f', '-'], stringify(second))).toThrow(/exceeded quota: restore-drills, requested: count\/clusters\.postgresql\.cnpg\.io=1/);
    runKubectl(env, ['delete', 'cluster', first.metadata.name, '--wait=true']);
  });
});

describe('the database drill script, as the runner, with CloudNativePG and PostgreSQL played', () => {
  /** Runs the script from dist/'s ConfigMap with the CronJob's environment; `rows` is what the played PostgreSQL counts. */
  async function drill(rows: number): Promise<{ status: number | null; out: string; clusterLeft: string }> {
    const all = drills();
    const script = all.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'restore-drill-scripts')!.data['database-drill.sh'];
    const manifest = all.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'restore-drill-clusters')!.data['fx-notes-api.yaml'];
    const runner = all.find((d) => d.kind === 'CronJob' && d.metadata.name === 'database-fx-notes-api')!;
    const dir = mkdtempSync(join(tmpdir(), 'drill-'));
    writeFileSync(join(dir, 'database-drill.sh'), script);
    writeFileSync(join(dir, 'fx-notes-api.yaml'), manifest);
    const real = cluster.env.KUBECTL ?? 'kubectl';
    // kubectl exec needs a kubelet: the wrapper plays PostgreSQL for it, and passes everything else to the real kubectl.
    writeFileSync(
      join(dir, 'kubectl'),
      `#!/bin/sh
case " $* " in
  *" exec "*)
    echo "[stand-in postgres] psql in the drill instance: $(echo "$*" | sed 's/.* -c //' | cut -c1-60)..." >&2
    case "$*" in
      *information_schema.tables*) echo "public.notes ${rows}"; echo "public.jobs 0" ;;
      *pg_last_xact_replay_timestamp*) date -u +%s ;;
    esac ;;
  *) exec ${real} "$@" ;;
esac
`,
    );
    chmodSync(join(dir, 'kubectl'), 0o755);
    const env: Record<string, string> = { ...(cluster.env as Record<string, string>), KUBECONFIG: runnerKubeconfig(), PATH: `${dir}:${process.env.PATH}` };
    // The CronJob's environment, but this machine's PATH (the pod's is the image's: BusyBox's applets first).
    for (const e of runner.spec.jobTemplate.spec.template.spec.containers[0].env) if (e.name !== 'PATH') env[e.name] = e.value;
    Object.assign(env, { CLUSTER_FILE: join(dir, 'fx-notes-api.yaml'), POLL_SECONDS: '1', READY_SECONDS: '60' });
    const { status, out } = await new Promise<{ status: number | null; out: string }>((ok) => {
      const child = spawn('sh', [join(dir, 'database-drill.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c) => (text += c));
      child.stderr.on('data', (c) => (text += c));
      child.on('close', (code) => ok({ status: code, out: text }));
    });
    const clusterLeft = cluster.kubectl(['-n', NS, 'get', 'clusters', '-o', 'name']).trim();
    return { status, out, clusterLeft };
  }

  it('creates the Cluster, checks it, passes, and deletes it', async () => {
    const r = await drill(42);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('[drill drill-fx-notes-api] created the drill Cluster drill-fx-notes-api');
    expect(r.out).toContain('[drill drill-fx-notes-api] Ready: instance drill-fx-notes-api-1');
    expect(r.out).toContain('[drill drill-fx-notes-api] table public.notes: 42 rows');
    expect(r.out).toContain('[drill drill-fx-notes-api] PASSED');
    expect(r.out).toContain('deleting the drill Cluster drill-fx-notes-api');
    for (const line of r.out.trim().split('\n')) expect(line).toMatch(/^\[(drill drill-fx-notes-api|stand-in postgres)\] /);
    expect(r.clusterLeft).toBe('');
    expect(cluster.played.some((l) => l.includes('Cluster restore-drills/drill-fx-notes-api reported Ready'))).toBe(true);
  });

  it('fails when a check fails, and still deletes the Cluster', async () => {
    const r = await drill(0);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain('FAILED: all 2 tables of the restored database are empty');
    expect(r.out).not.toContain('PASSED');
    expect(r.out).toContain('deleting the drill Cluster drill-fx-notes-api');
    expect(r.clusterLeft).toBe('');
  });
});
