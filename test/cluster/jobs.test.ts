import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { applySetId } from '../../lib/delivery/applyset';
import { AFTER_JOBS_LABEL } from '../../lib/render';
import { fixtureApps } from '../fixtures/apps';
import { appFile, render } from '../helpers';
import { applyAsDeployer, output, renderDist, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * Phase 05 and the one-off Jobs of phase 04, against a real API server and kube-controller-manager
 * (the Job controller retries and fails Jobs itself; the kubelet stand-in runs `false` and
 * `sh -c 'exit N'` as a runtime would, test/cluster/stand-ins.ts). One control plane for the file,
 * each test starting from what the last left: an app that gains a one-off Job moves its workloads to
 * phase 05 without losing an object, a Job completes before its app's Deployment is applied, a
 * failing one stops the apply, named, before anything of phase 05.
 */

let cluster: TestCluster;
let dist: string;
// The platform and one small fixture app (the static site), rendered for this file: never the user's apps/ or dist/.
const site = fixtureApps.filter((s) => s.file === 'apps/fx-site.ts');
beforeAll(async () => {
  expect(site).toHaveLength(1);
  ({ cluster, dist } = await startWithDist(renderDist(site)));
});
afterAll(() => stopWithDist(cluster, dist));
const apply = (...args: string[]) => applyAsDeployer(cluster, dist, args);
const exists = (...target: string[]) => cluster.kubectl(['get', ...target, '--ignore-not-found', '-o', 'name']).trim() !== '';
const get = (...target: string[]) => JSON.parse(cluster.kubectl(['get', ...target, '-o', 'json']));

type Doc = Record<string, any>;
const dir = (phase: string) => join(dist, phase);
const readDocs = (file: string): Doc[] => (existsSync(file) ? parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc).filter(Boolean) : []);
function writeDocs(file: string, docs: Doc[]) {
  if (!docs.length) return rmSync(file, { force: true });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
}

/**
 * An app of this test's own (not one of the user's apps/), rendered by the platform as synth renders
 * it: autoscaled (an HPA and a PDB) with a database, without a one-off Job (everything in 04-apps),
 * or with one (what rolls out labelled after-jobs, in 05-rollouts). Its files replace the app's in dist/.
 */
function ledger(which: 'without-job' | 'with-job') {
  const image = 'ghcr.io/me/ledger:1.0.0';
  const spec = {
    image,
    port: 8080,
    autoscaling: { minReplicas: 2, maxReplicas: 3 },
    databaseEnv: { DATABASE_URL: 'uri' },
    database: { size: '1Gi' },
    ...(which === 'with-job' ? { jobs: { migrate: { image, args: ['migrate'], databaseEnv: { DATABASE_URL: 'uri' } } } } : {}),
  };
  const { files } = render({ apps: [appFile('ledger', spec)] });
  for (const phase of ['01-prerequisites', '04-apps', '05-rollouts']) {
    const text = files.get(`${phase}/app-ledger.yaml`);
    if (text) writeDocs(join(dir(phase), 'app-ledger.yaml'), parseAllDocuments(text).map((d) => d.toJS() as Doc));
    else rmSync(join(dir(phase), 'app-ledger.yaml'), { force: true });
  }
}

/** A small app as the app chart renders one with a one-off Job: Namespace (01), the Job (and a database) in 04, the Deployment (05). */
function addApp(name: string, job: { name: string; command: string[]; backoffLimit?: number }, database?: Doc) {
  const labels = { 'app.kubernetes.io/name': name };
  const pod = (containerName: string, command: string[]) => ({
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: containerName,
        image: 'registry.example/jobs-demo:1.0.0',
        command,
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
    ],
  });
  // As every app namespace is labelled: Pod Security (the deploy identity's admission policy refuses a
  // namespace without) and the app it belongs to (else the policy would count it as the platform's).
  const podSecurity = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest', 'app.kubernetes.io/part-of': name };
  writeDocs(join(dir('01-prerequisites'), `app-${name}.yaml`), [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, ...podSecurity } } }]);
  writeDocs(join(dir('04-apps'), `app-${name}.yaml`), [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${name}-${job.name}`, namespace: name, labels: { ...labels, 'hobby-infra.dev/run': 'before-rollout' } },
      spec: { backoffLimit: job.backoffLimit ?? 1, template: { metadata: { labels }, spec: { restartPolicy: 'Never', ...pod('migrate', job.command) } } },
    },
    ...(database ? [database] : []),
  ]);
  writeDocs(join(dir('05-rollouts'), `app-${name}.yaml`), [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: name, labels: { ...labels, [AFTER_JOBS_LABEL]: 'true' } },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod(name, ['serve']) } },
    },
  ]);
}

describe('phase 05 and the one-off Jobs of phase 04, against a real API server', () => {
  it('an app that gains a one-off Job: its Deployments, HPAs, PDBs move to 05-rollouts, none deleted', async () => {
    ledger('without-job');
    const first = await apply();
    expect(first.status, output(first)).toBe(0);
    const rollsOut = ['deployments.apps', 'horizontalpodautoscalers.autoscaling', 'poddisruptionbudgets.policy', 'cronjobs.batch'];
    const before = get(rollsOut.join(','), '-n', 'ledger', '-l', `applyset.kubernetes.io/part-of=${applySetId('04-apps')}`).items as Doc[];
    expect(before.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']));

    ledger('with-job');
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toContain('moved to another phase');
    expect(r.stdout).toContain('prune guard: 0 object(s) to prune in this run');
    expect(r.stdout).not.toMatch(/ pruned/);
    const after = get(rollsOut.join(','), '-n', 'ledger', '-l', `applyset.kubernetes.io/part-of=${applySetId('05-rollouts')}`).items as Doc[];
    const ids = (xs: Doc[]) => xs.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${o.metadata.uid}`).sort();
    expect(ids(after)).toEqual(ids(before));
    const drift = await apply('--drift');
    expect(drift.status, output(drift)).toBe(0);
  });

  it('a one-off Job completes before its app\'s Deployment is applied, after the database it may need is Ready', async () => {
    // A database as the app chart renders one (the ledger's), without its backups.
    const db = readDocs(join(dir('04-apps'), 'app-ledger.yaml')).find((d) => d.kind === 'Cluster')!;
    const { plugins: _, ...spec } = db.spec;
    addApp('jobs-demo', { name: 'migrate-1', command: ['sh', '-c', 'exit 0'] }, { ...db, metadata: { name: 'jobs-demo-db', namespace: 'jobs-demo' }, spec });
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout).toContain('$ kubectl -n jobs-demo wait --for=condition=Ready --timeout=15m cluster.postgresql.cnpg.io/jobs-demo-db');
    expect(r.stdout.indexOf('cluster.postgresql.cnpg.io/jobs-demo-db condition met')).toBeLessThan(r.stdout.indexOf('$ kubectl -n jobs-demo get job/jobs-demo-migrate-1 -o json'));
    expect(cluster.played).toContain('[stand-in cloudnative-pg] Cluster jobs-demo/jobs-demo-db reported Ready (no operator and no database on this machine)');
    const job = get('-n', 'jobs-demo', 'job/jobs-demo-migrate-1');
    expect(job.status.conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    const deployment = get('-n', 'jobs-demo', 'deployment/jobs-demo');
    // The apply's own order, and the cluster's record of it (timestamps have whole seconds).
    const at = (text: string) => r.stdout.indexOf(text);
    expect(at('job jobs-demo/jobs-demo-migrate-1: complete')).toBeGreaterThan(at('# [04-apps] apply'));
    expect(at('job jobs-demo/jobs-demo-migrate-1: complete')).toBeLessThan(at('# [05-rollouts] apply'));
    expect(Date.parse(job.status.completionTime)).toBeLessThanOrEqual(Date.parse(deployment.metadata.creationTimestamp));
    expect(cluster.played.join('\n')).toMatch(/\[stand-in kubelet\] pod jobs-demo\/jobs-demo-migrate-1-\w+ Succeeded/);
    expect(deployment.status.availableReplicas).toBe(1);
  });

  it('a failing Job stops the apply, named, before anything of phase 05 is applied', async () => {
    addApp('jobs-fail', { name: 'migrate-1', command: ['false'], backoffLimit: 1 });
    const r = await apply();
    expect(r.status, output(r)).toBe(2);
    expect(r.stderr).toContain('apply: Job jobs-fail/jobs-fail-migrate-1 failed (BackoffLimitExceeded: Job has reached the specified backoff limit)');
    console.log(`failing Job: the apply stopped after ${(r.ms / 1000).toFixed(1)} s: ${r.stderr.trim().split('\n').at(-1)}`);
    expect(r.ms).toBeLessThan(5 * 60_000); // the failure, not the 15 min timeout
    expect(r.stdout).not.toContain('# [05-rollouts]');
    expect(exists('-n', 'jobs-fail', 'deployment/jobs-fail')).toBe(false);
    // The real Job controller retried once (backoffLimit 1): two pods, each exited 1.
    expect(get('-n', 'jobs-fail', 'job/jobs-fail-migrate-1').status.failed).toBe(2);
    expect(cluster.played.filter((l) => /pod jobs-fail\/jobs-fail-migrate-1-\w+ Failed: migrate ran \["false"\] and exited 1/.test(l))).toHaveLength(2);

    // The same Job again: still failed, so the next apply stops at it again.
    const again = await apply();
    expect(again.status, output(again)).toBe(2);
    expect(again.stderr).toContain('Job jobs-fail/jobs-fail-migrate-1 failed');

    // A fixed Job is a new Job (its name follows its pod template): it runs, the failed one is pruned, the app rolls out.
    addApp('jobs-fail', { name: 'migrate-2', command: ['sh', '-c', 'exit 0'], backoffLimit: 1 });
    const fixed = await apply();
    expect(fixed.status, output(fixed)).toBe(0);
    expect(exists('-n', 'jobs-fail', 'job/jobs-fail-migrate-1')).toBe(false);
    expect(exists('-n', 'jobs-fail', 'deployment/jobs-fail')).toBe(true);
  });
});
