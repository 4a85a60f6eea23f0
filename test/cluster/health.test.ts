import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../lib/report/deploy-report';
import { appFile } from '../helpers';
import { applyAsDeployer, applyIdentities, editDistFile, output, renderDist, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * The apply's health checks (lib/delivery/health.ts, chart-installs.ts) against the real API
 * server, as the deploy identity, with the controllers played as the real ones behave
 * (test/cluster/helm-controller-stand-in.ts and the others: helm-controller's real Job shape,
 * `backoffLimit: 1000` and `restartPolicy: OnFailure`, helm's own output served through the API
 * server's pods/log, helm-delete Jobs behind the HelmChart's finalizer; cert-manager and External
 * Secrets with their own conditions and events). The dist/ is the test's own: the platform and one
 * app with a database.
 */

const MISSING_KEY = 'NOT_IN_INFISICAL';
const notes = appFile('notes', {
  image: 'registry.example/notes:1.0.0',
  port: 8080,
  database: { size: '1Gi' },
  databaseEnv: { DATABASE_URL: 'uri' },
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
});

let cluster: TestCluster;
let dist: string;
/** dist/ as rendered, to put back what a test changed. */
let pristine: string;
beforeAll(async () => {
  ({ cluster, dist } = await startWithDist(renderDist([notes]), { absentKeys: [MISSING_KEY], failingHelmDeletes: ['cluster-autoscaler'] }));
  pristine = `${dist}.pristine`;
  cpSync(dist, pristine, { recursive: true });
});
afterAll(async () => {
  await stopWithDist(cluster, dist);
  rmSync(pristine, { recursive: true, force: true });
});

const restore = (file: string) => cpSync(join(pristine, file), join(dist, file));
const reportOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ApplyReport;

describe('the health of what the apply wrote', () => {
  it('a first apply waits for the charts, their workloads and webhooks (CloudNativePG\'s included) and judges everything at the end; --report says what it did', async () => {
    const report = join(dist, '..', `report-${process.pid}.json`);
    const first = await applyAsDeployer(cluster, dist, ['--report', report]);
    expect(first.status, output(first)).toBe(0);
    expect(first.stdout).toContain('# [02-helm-charts] cloudnative-pg webhook Available (its CRDs\' objects come next)');
    expect(first.stdout).toContain('HelmChart kube-system/cloudnative-pg: installed');
    const r = reportOf(report);
    rmSync(report);
    expect(r).toMatchObject({ kind: 'apply', mode: 'apply', code: 0, message: 'done' });
    const end = r.phases.find((p) => p.phase === 'end')!;
    expect(end.health.map((h) => h.check)).toEqual(['chart workloads', 'Certificates Ready', 'SecretStores Ready', 'ExternalSecrets synced', 'databases Ready', 'backups without errors']);
    expect(end.health.flatMap((h) => h.problems)).toEqual([]);
    expect(end.health.find((h) => h.check === 'chart workloads')!.objects).toBeGreaterThan(10);
    expect(r.phases.find((p) => p.phase === '02-helm-charts')!.sent.length).toBeGreaterThan(5);
    // A re-apply sends nothing, waits for nothing, and still judges everything once.
    const again = await applyAsDeployer(cluster, dist, []);
    expect(again.status, output(again)).toBe(0);
    expect(again.stdout).toContain('# skipped: this run writes nothing it waits for');
    expect(again.stdout).toMatch(/ExternalSecrets synced: all \d+ healthy/);
  });

  it('an ExternalSecret whose key Infisical does not hold fails the health check after its phase, named with ESO\'s own words', async () => {
    editDistFile(dist, '03-custom-resources/cert-manager.yaml', (docs) =>
      docs.map((d) => (d.kind === 'ExternalSecret' ? { ...d, spec: { ...d.spec, data: [...d.spec.data, { secretKey: 'extra', remoteRef: { key: MISSING_KEY } }] } } : d)),
    );
    const r = await applyAsDeployer(cluster, dist, ['--timeout', 'externalSecret=20s']);
    expect(r.status, output(r)).toBe(2);
    expect(r.stderr).toContain('apply: health after 03-custom-resources: 1 not healthy:');
    expect(r.stderr).toContain(`ExternalSecret cert-manager/cloudflare-api-token: SecretSyncedError: could not get secret data from provider (last event: UpdateFailed: error processing spec.data[1] (key: ${MISSING_KEY}), err: Secret does not exist)`);
    // Nothing of the apps' phase was written after it.
    expect(r.stdout).not.toContain('[04-apps] apply');
    restore('03-custom-resources/cert-manager.yaml');
    const fixed = await applyAsDeployer(cluster, dist, []);
    expect(fixed.status, output(fixed)).toBe(0);
  });

  it('a Certificate that never becomes Ready fails the health check naming it, with cert-manager\'s condition', async () => {
    editDistFile(dist, '03-custom-resources/cert-manager.yaml', (docs) => docs.map((d) => (d.kind === 'Certificate' ? { ...d, spec: { ...d.spec, issuerRef: { ...d.spec.issuerRef, name: 'no-such-issuer' } } } : d)));
    const r = await applyAsDeployer(cluster, dist, ['--timeout', 'certificate=15s']);
    expect(r.status, output(r)).toBe(2);
    expect(r.stderr).toContain('apply: health after 03-custom-resources: 1 not healthy:');
    expect(r.stderr).toMatch(/Certificate traefik\/wildcard: DoesNotExist: Issuing certificate as Secret does not exist/);
    expect(r.ms).toBeGreaterThan(15_000); // its bound, not the first read
    restore('03-custom-resources/cert-manager.yaml');
    const fixed = await applyAsDeployer(cluster, dist, []);
    expect(fixed.status, output(fixed)).toBe(0);
  });

  it('a HelmChart whose helm fails (the real Job shape: it never fails) stops the apply within a minute, naming the chart and quoting helm', async () => {
    editDistFile(dist, '02-helm-charts/reloader.yaml', (docs) => docs.map((d) => ({ ...d, spec: { ...d.spec, repo: 'https://charts.example.invalid' } })));
    applyIdentities(cluster, dist); // the admin step: the policy admits exactly dist/'s HelmCharts
    const r = await applyAsDeployer(cluster, dist, []);
    expect(r.status, output(r)).toBe(2);
    expect(r.ms).toBeLessThan(60_000);
    expect(r.stderr).toContain('HelmChart kube-system/reloader: helm install failed');
    expect(r.stderr).toContain('looks like "https://charts.example.invalid" is not a valid chart repository or cannot be reached');
    expect(r.stderr).toContain('kubectl -n kube-system logs job/helm-install-reloader');
    // Put back, the chart installs again: the apply waits for the Job helm-controller starts for it, not the failing one.
    restore('02-helm-charts/reloader.yaml');
    applyIdentities(cluster, dist);
    const fixed = await applyAsDeployer(cluster, dist, []);
    expect(fixed.status, output(fixed)).toBe(0);
    expect(fixed.stdout).toContain('HelmChart kube-system/reloader: installed');
  });

  it('removing a chart waits for its helm-delete Job and the HelmChart to be gone; a delete whose helm fails stops the run', async () => {
    rmSync(join(dist, '02-helm-charts/reloader.yaml'));
    applyIdentities(cluster, dist);
    const removed = await applyAsDeployer(cluster, dist, ['--allow-destructive']);
    expect(removed.status, output(removed)).toBe(0);
    expect(removed.stdout).toContain('helmchart.helm.cattle.io/reloader pruned');
    expect(removed.stdout).toContain('HelmChart kube-system/reloader: removed');
    expect(cluster.kubectl(['-n', 'kube-system', 'get', 'helmcharts.helm.cattle.io', '-o', 'name'])).not.toContain('reloader');

    rmSync(join(dist, '02-helm-charts/cluster-autoscaler.yaml'));
    applyIdentities(cluster, dist);
    const stuck = await applyAsDeployer(cluster, dist, ['--allow-destructive']);
    expect(stuck.status, output(stuck)).toBe(2);
    expect(stuck.stderr).toContain('HelmChart kube-system/cluster-autoscaler: helm delete failed');
    // helm-controller's finalizer holds it until its delete succeeds.
    expect(JSON.parse(cluster.kubectl(['-n', 'kube-system', 'get', 'helmchart.helm.cattle.io/cluster-autoscaler', '-o', 'json'])).metadata.deletionTimestamp).toBeTruthy();
  });
});
