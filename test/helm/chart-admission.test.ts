import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import { HELM_VERSIONS } from '../../config/versions';
import { podAdmissionProblems, podsOf } from '../../lib/delivery/admission';
import { kubernetesVersionOf, startControlPlane, type ControlPlane } from '../../lib/delivery/control-plane';
import { renderChartObjects } from '../../lib/delivery/helm';
import { WORKLOADS_ANNOTATION } from '../../lib/constructs/helm-release';

/*
 * Pod Security of what a chart really renders, judged by the real kube-apiserver's admission: the
 * fixture chart (test/fixtures/charts/demo-1.1.0, whose pods set no securityContext) rendered by a
 * real helm, its pods dry-run created in a namespace labelled as dist/ would label it.
 */

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/charts');
let cp: ControlPlane;
let helm: string;
let scratch: string;

beforeAll(async () => {
  helm = execFileSync('bash', [join(root, 'scripts/build-helm.sh'), HELM_VERSIONS.v3], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  cp = await startControlPlane({ version: kubernetesVersionOf(cluster), root });
  scratch = mkdtempSync(join(tmpdir(), 'chart-admission-'));
});
afterAll(async () => {
  await cp?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const namespace = (level: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/enforce-version': 'latest' } },
});
const helmChart = {
  apiVersion: 'helm.cattle.io/v1',
  kind: 'HelmChart',
  // Declares the one workload the chart renders, so the check's only finding is admission's.
  metadata: { name: 'demo', namespace: 'kube-system', annotations: { [WORKLOADS_ANNOTATION]: 'deployment/demo' } },
  spec: { repo: 'https://charts.example.invalid', chart: 'demo', version: '1.1.0', targetNamespace: 'demo', valuesContent: stringify({ resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } }) },
};

describe('pod admission of rendered charts', () => {
  it('the API server refuses the chart\'s pods in a restricted namespace and admits them at baseline', () => {
    const files = new Map([['02-helm-charts/demo.yaml', stringify(helmChart)]]);
    const [{ release, objects }] = renderChartObjects(files, { helm, charts: fixtures, kubeVersion: kubernetesVersionOf(cluster) });
    const pods = podsOf(objects.map((o) => o.manifest), release!.namespace);
    expect(pods.map((p) => p.from)).toEqual(['Deployment demo/demo']);

    cp.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(namespace('restricted')));
    const refused = podAdmissionProblems(cp, pods);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^Deployment demo\/demo: .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);

    cp.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(namespace('baseline')));
    expect(podAdmissionProblems(cp, pods)).toEqual([]);
  });

  it('`npm run check-charts -- --admission` reports it and exits 1', () => {
    const dist = join(scratch, 'dist');
    for (const phase of ['01-prerequisites', '02-helm-charts']) mkdirSync(join(dist, phase), { recursive: true });
    writeFileSync(join(dist, '01-prerequisites/demo.yaml'), stringify(namespace('restricted')));
    writeFileSync(join(dist, '02-helm-charts/demo.yaml'), stringify(helmChart));
    const r = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/check-charts.ts', '--charts', fixtures, '--helm', helm, '--dist', dist, '--admission'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(`pod admission (kube-apiserver v${kubernetesVersionOf(cluster)}`);
    expect(r.stdout).toMatch(/❌ demo 1\.1\.0:\n {2}- `Deployment demo\/demo: .*violates PodSecurity "restricted:latest"/);
    expect(r.stderr).toContain('check-charts: 1 finding(s)');
  });
});
