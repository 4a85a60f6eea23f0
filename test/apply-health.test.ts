import { describe, expect, it } from 'vitest';
import { applySetId } from '../lib/delivery/applyset';
import { HELM_FAILED_TRIES, helmFailures } from '../lib/delivery/chart-installs';
import { healthOf } from '../lib/delivery/health';
import { collectObjects } from '../lib/delivery/manifests';
import { buildPlan } from '../lib/delivery/plan';
import { runPlan } from '../lib/delivery/run';
import { PHASES, type Phase } from '../lib/render';
import { asApplied } from '../lib/delivery/live-diff';
import { applied, env, fake, fixture, healthy, HEADER } from './fixtures/fake-kubectl';

/*
 * The apply's health checks against the fake kubectl (test/fixtures/fake-kubectl.ts), on a fake
 * clock: helm failing fast with its own lines, a Job helm-controller is about to replace, the
 * operators' status of what was sent, the end-of-run check of everything, removed charts, and the
 * report. Against the real API server with the played controllers: test/cluster/health.test.ts.
 */

const clock = () => {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => void (t += ms), elapsed: () => t };
};

/** A pod of helm-controller's Job whose `helm` container failed `failures` times (restartPolicy OnFailure: it restarts in place). */
const failingHelmPod = (job: string, failures: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${job}-x7k2p`, namespace: 'kube-system', ownerReferences: [{ kind: 'Job', name: job }] },
  status: { containerStatuses: [{ name: 'helm', restartCount: failures, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }] },
});

const HELM_ERROR = 'Error: looks like "https://charts.example.invalid" is not a valid chart repository or cannot be reached';

describe('the apply\'s health checks (fake kubectl)', () => {
  it('counts helm\'s failures as the kubelet reports them (restartPolicy OnFailure)', () => {
    expect(helmFailures(failingHelmPod('j', 0) as never).failures).toBe(0);
    expect(helmFailures(failingHelmPod('j', 2) as never)).toEqual({ failures: 2, previous: true });
    expect(helmFailures({ metadata: { name: 'p' }, status: { containerStatuses: [{ name: 'helm', restartCount: 1, state: { terminated: { exitCode: 1 } }, lastState: { terminated: { exitCode: 1 } } }] } })).toEqual({ failures: 2, previous: false });
  });

  it('a helm that keeps failing stops the run within seconds, naming the chart and quoting helm, instead of a 15-minute wait', () => {
    const c = clock();
    let reads = 0;
    const { calls, spawn } = fake({}, () => 0, fixture, (argv) => {
      if (argv.includes('pods') && argv.some((a) => a.includes('helmcharts.helm.cattle.io/chart'))) {
        reads++;
        return { status: 0, stdout: JSON.stringify({ items: [failingHelmPod('helm-install-cert-manager', reads > 2 ? HELM_FAILED_TRIES : 1)] }) };
      }
      if (argv.includes('logs')) return { status: 0, stdout: `+ helm_v3 repo add cert-manager https://charts.example.invalid\n${HELM_ERROR}\n` };
      return healthy(argv);
    });
    // The install Job never completes (backoffLimit 1000): it stays running.
    const wrapped: typeof spawn = (argv, o) => (argv.some((a) => a.startsWith('job/helm-install-')) ? { status: 0, stdout: JSON.stringify({ items: [{ kind: 'Job', metadata: { name: 'helm-install-cert-manager', uid: 'u1' }, status: { active: 1 } }] }) } : spawn(argv, o));
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: wrapped, log: () => {}, ...c });
    expect(result.code).toBe(2);
    expect(result.message).toContain('HelmChart kube-system/cert-manager: helm install failed 2 times');
    expect(result.message).toContain(HELM_ERROR);
    expect(result.message).toContain('kubectl -n kube-system logs job/helm-install-cert-manager');
    expect(c.elapsed()).toBeLessThan(60_000);
    // helm's last run, read from the failed container.
    expect(calls.find((x) => x.argv.includes('logs'))!.argv).toEqual(['kubectl', '-n', 'kube-system', 'logs', 'pod/helm-install-cert-manager-x7k2p', '-c', 'helm', '--tail=40', '--previous']);
    // Nothing after phase 02 was sent; the report names the step and the chart.
    expect(calls.some((x) => x.input?.includes(applySetId('03-custom-resources')))).toBe(false);
    expect(result.report.failed).toMatchObject({ phase: '02-helm-charts', objects: ['HelmChart kube-system/cert-manager'] });
    expect(result.report.phases.find((p) => p.phase === '02-helm-charts')!.health[0]!.problems[0]!.message).toContain(HELM_ERROR);
  });

  /** A re-apply of the fixture after the HelmChart changed in the cluster; `generationAfter`: the chart's generation once sent (1 before). */
  function chartResent(generationAfter: number) {
    const live = applied();
    live['02-helm-charts'][0]!.spec.targetNamespace = 'elsewhere'; // changed by hand in the cluster: the chart is sent
    live['02-helm-charts'][0]!.metadata.generation = 1;
    let jobReads = 0;
    const { spawn } = fake(live);
    const wrapped: typeof spawn = (argv, o) => {
      if (argv.includes('jobs') && argv.includes('-l')) return { status: 0, stdout: JSON.stringify({ items: [{ kind: 'Job', metadata: { name: 'helm-install-cert-manager', uid: 'old', labels: { 'helmcharts.helm.cattle.io/chart': 'cert-manager' } } }] }) };
      if (argv.includes('helmchart.helm.cattle.io/cert-manager')) return { status: 0, stdout: JSON.stringify({ kind: 'HelmChart', metadata: { name: 'cert-manager', generation: generationAfter } }) };
      if (argv.some((a) => a === 'job/helm-install-cert-manager')) {
        jobReads++;
        const uid = jobReads < 3 ? 'old' : 'new';
        return { status: 0, stdout: JSON.stringify({ kind: 'Job', metadata: { name: 'helm-install-cert-manager', uid }, status: { conditions: [{ type: 'Complete', status: 'True' }] } }) };
      }
      return spawn(argv, o);
    };
    const logs: string[] = [];
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: wrapped, log: (l) => logs.push(l), ...clock() });
    return { result, logs, jobReads: () => jobReads };
  }

  it('a chart whose spec changed waits for the Job helm-controller starts for it, not the one left Complete by the last install', () => {
    const { result, logs, jobReads } = chartResent(2);
    expect(result.code).toBe(0);
    expect(jobReads()).toBe(3);
    expect(logs).toContain('HelmChart kube-system/cert-manager: waiting for helm-controller to start helm-install-cert-manager');
  });

  it('a chart sent for its labels or annotations only (its generation unchanged) keeps its Job: helm-controller starts no new one', () => {
    const { result, logs, jobReads } = chartResent(1);
    expect(result.code).toBe(0);
    expect(jobReads()).toBe(1);
    expect(logs).toContain('HelmChart kube-system/cert-manager: installed');
  });

  const files = new Map([
    ...fixture,
    ['03-custom-resources/cert-manager.yaml', `${HEADER}apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\nspec:\n  acme: {}\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: wildcard\n  namespace: traefik\nspec:\n  secretName: wildcard-tls\n`],
  ]);

  it('a Certificate that never becomes Ready fails the health check after its own bound, named with its condition and last event', () => {
    const c = clock();
    const notReady = (argv: readonly string[]) =>
      argv[2] === 'events'
        ? { status: 0, stdout: JSON.stringify({ items: [{ involvedObject: { kind: 'Certificate', namespace: 'traefik', name: 'wildcard' }, reason: 'Failed', message: 'The certificate request has failed to complete and will be retried', lastTimestamp: '2026-12-05T10:00:00Z' }] }) }
        : healthy(argv, (o) => (o.kind === 'Certificate' ? { conditions: [{ type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' }] } : { conditions: [{ type: 'Ready', status: 'True' }] }), [...collectObjects(files).values()]);
    const { calls, spawn } = fake({}, () => 0, files, notReady);
    const result = runPlan(buildPlan({ files, timeouts: { certificate: '2m' } }), { mode: 'apply', env, spawn, log: () => {}, ...c, timeouts: { certificate: '2m' } });
    expect(result.code).toBe(2);
    expect(result.message).toBe(
      'health after 03-custom-resources: 1 not healthy:\n  Certificate traefik/wildcard: DoesNotExist: Issuing certificate as Secret does not exist (last event: Failed: The certificate request has failed to complete and will be retried)',
    );
    expect(c.elapsed()).toBeGreaterThanOrEqual(120_000);
    expect(c.elapsed()).toBeLessThan(130_000);
    expect(calls.some((x) => x.input?.includes(applySetId('04-apps')))).toBe(false);
    expect(result.report.failed).toMatchObject({ phase: '03-custom-resources', objects: ['Certificate traefik/wildcard'] });
  });

  it('a no-op re-apply still judges everything once at the end: a failing backup fails the run, though nothing was sent', () => {
    const withBackup = new Map([...fixture, ['04-apps/app-blog-backup.yaml', `${HEADER}apiVersion: volsync.backube/v1alpha1\nkind: ReplicationSource\nmetadata:\n  name: blog-data\n  namespace: blog\nspec: {}\n`]]);
    const live = Object.fromEntries(PHASES.map((p) => [p, [...collectObjects(withBackup).values()].filter((o) => o.phase === p).map((o) => structuredClone(asApplied(o.manifest, p as Phase)))])) as never;
    const failed = (argv: readonly string[]) => healthy(argv, (o) => (o.kind === 'ReplicationSource' ? { latestMoverStatus: { result: 'Failed', logs: 'Fatal: unable to open repository\nrestic exited 1' } } : { conditions: [{ type: 'Ready', status: 'True' }] }), [...collectObjects(withBackup).values()]);
    const { calls, spawn } = fake(live, () => 0, withBackup, failed);
    const result = runPlan(buildPlan({ files: withBackup }), { mode: 'apply', env, spawn, log: () => {}, ...clock() });
    expect(calls.filter((x) => x.argv[1] === 'apply' && x.input?.includes('applied-digest'))).toEqual([]);
    expect(result.code).toBe(2);
    expect(result.message).toBe('health of everything applied: 1 not healthy:\n  ReplicationSource blog/blog-data: its last backup failed: Fatal: unable to open repository / restic exited 1');
    expect(result.report.phases.map((p) => p.phase)).toContain('end');
  });

  it('the report says per phase what was sent and how healthy it is, and how long each phase took', () => {
    const c = clock();
    const { spawn } = fake();
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn, log: () => {}, ...c });
    expect(result.code).toBe(0);
    const r = result.report;
    expect(r).toMatchObject({ kind: 'apply', mode: 'apply', code: 0, message: 'done' });
    expect(r.phases.map((p) => p.phase)).toEqual(['setup', 'check', ...PHASES, 'end']);
    expect(r.phases.find((p) => p.phase === '04-apps')!.sent).toEqual([
      'SecretStore.external-secrets.io blog/infisical: not in the cluster',
      'Cluster.postgresql.cnpg.io blog/blog-db: not in the cluster',
      'Job blog/blog-migrate-0a1b2c3d: not in the cluster',
    ]);
    expect(r.phases.find((p) => p.phase === 'end')!.health.map((h) => [h.check, h.objects, h.problems.length])).toEqual([
      ['chart workloads', 1, 0],
      ['SecretStores Ready', 1, 0],
      ['databases Ready', 1, 0],
    ]);
    expect(r.phases.every((p) => p.seconds >= 0)).toBe(true);
  });

  it('a removed chart is waited for until helm-controller has run its helm-delete Job and let the HelmChart go', () => {
    const c = clock();
    const live = applied();
    live['02-helm-charts'].push({ apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name: 'old-chart', namespace: 'kube-system' }, spec: { chart: 'old' } });
    let reads = 0;
    const { spawn } = fake(live);
    const wrapped: typeof spawn = (argv, o) => {
      if (argv.includes('helmchart.helm.cattle.io/old-chart')) {
        reads++;
        const items = reads < 4 ? [{ kind: 'HelmChart', metadata: { name: 'old-chart', deletionTimestamp: 'now' } }, { kind: 'Job', metadata: { name: 'helm-delete-old-chart' }, status: { active: 1 } }] : [];
        return { status: 0, stdout: JSON.stringify({ items }) };
      }
      return spawn(argv, o);
    };
    const logs: string[] = [];
    const result = runPlan(buildPlan({ files: fixture }), { mode: 'apply', env, spawn: wrapped, log: (l) => logs.push(l), allowDestructive: true, ...c });
    expect(result.code).toBe(0);
    expect(reads).toBe(4);
    expect(logs).toContain('HelmChart kube-system/old-chart: helm-delete-old-chart running');
    expect(logs).toContain('HelmChart kube-system/old-chart: removed');
    expect(result.report.phases.find((p) => p.phase === '02-helm-charts')!.pruned).toEqual(['HelmChart.helm.cattle.io kube-system/old-chart']);
  });

  it('judges each operator\'s status as it reports it', () => {
    const o = (kind: string, status: Record<string, unknown>) => ({ apiVersion: 'x/v1', kind, metadata: { name: 'n', namespace: 'ns' }, status });
    expect(healthOf(o('ExternalSecret', { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' }] }))).toEqual({ ok: false, message: 'SecretSyncedError: could not get secret data from provider' });
    expect(healthOf(o('Cluster', { phase: 'Setting up primary', phaseReason: 'Creating primary instance' }))).toEqual({ ok: false, message: 'Setting up primary: Creating primary instance' });
    expect(healthOf(o('Certificate', {}))).toMatchObject({ ok: false, message: expect.stringContaining('no Ready condition yet') });
    expect(healthOf(o('ReplicationSource', { conditions: [{ type: 'Synchronizing', status: 'False', reason: 'Error', message: 'secret restic-config not found' }] }))).toEqual({ ok: false, failed: true, message: 'Error: secret restic-config not found' });
    expect(healthOf(o('ReplicationSource', { latestMoverStatus: { result: 'Successful' } }))).toEqual({ ok: true, message: 'last backup Successful' });
    // A status judged for an earlier spec is not this spec's.
    const at = (g: number, x: ReturnType<typeof o>) => ({ ...x, metadata: { ...x.metadata, generation: g } });
    expect(healthOf(at(2, o('Certificate', { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1 }] })))).toMatchObject({ ok: false, message: 'waiting for its operator to judge the new spec (generation 2)' });
    expect(healthOf(at(2, o('Certificate', { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] })))).toMatchObject({ ok: true });
    expect(healthOf(at(3, o('ExternalSecret', { syncedResourceVersion: '2-9f8e7d', conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] })))).toMatchObject({ ok: false, message: 'waiting for External Secrets to sync the new spec (generation 3)' });
    expect(healthOf(at(3, o('ExternalSecret', { syncedResourceVersion: '3-9f8e7d', conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] })))).toMatchObject({ ok: true });
  });
});
