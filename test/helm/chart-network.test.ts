import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import { HELM_VERSIONS } from '../../config/versions';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { PlatformNamespace } from '../../lib/constructs/namespace';
import { PlatformNetwork, toApiServer } from '../../lib/constructs/platform-network';
import { writeTreeAtomically } from '../../lib/output';
import { PlatformChart, renderFiles } from '../../lib/render';

/*
 * `npm run check-charts` holds the labels a chart file declares for its pods against what the chart
 * really renders: the fixture chart (test/fixtures/charts/demo-1.1.0, whose pods are labelled
 * `app.kubernetes.io/name: <release>`) rendered by a real helm, its namespace's NetworkPolicies
 * rendered by the platform's own construct (lib/constructs/platform-network.ts), as synth would.
 * In CI the same check runs on every chart config/versions.ts pins, pulled (.github/workflows/pr.yml).
 */

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/charts');
let helm: string;
let scratch: string;

beforeAll(() => {
  helm = execFileSync('bash', [join(root, 'scripts/build-helm.sh'), HELM_VERSIONS.v3], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  scratch = mkdtempSync(join(tmpdir(), 'chart-network-'));
});
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

/** dist/ for the demo chart installed as `release`, whose file declares its pods by `declared` labels. */
function dist(name: string, release: string, declared: Record<string, string>, other?: Record<string, string>): string {
  const app = new App();
  const chart = new PlatformChart(app, 'demo');
  new PlatformNamespace(chart, 'demo', { podSecurity: 'restricted' });
  new HelmRelease(chart, release, {
    chart: { repo: 'https://charts.example.invalid', chart: 'demo', version: '1.1.0' },
    targetNamespace: 'demo',
    // The chart names its Deployment after the release (the workloads check of check-charts).
    workloads: [`deployment/${release}`],
    values: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } },
  });
  const doors = [toApiServer('watches its config')];
  new PlatformNetwork(chart, 'network', { cluster, namespace: 'demo', components: { app: { pods: declared, doors }, ...(other ? { other: { pods: other, doors } } : {}) } });
  const dir = join(scratch, name);
  writeTreeAtomically(dir, renderFiles(app));
  return dir;
}

const checkCharts = (distDir: string) =>
  spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/check-charts.ts', '--charts', fixtures, '--helm', helm, '--dist', distDir], { cwd: root, encoding: 'utf8' });

describe('NetworkPolicies of rendered charts', () => {
  it('passes when the policy selects the pods the chart renders', () => {
    const r = checkCharts(dist('matching', 'demo', { 'app.kubernetes.io/name': 'demo' }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('- ✅ demo 1.1.0: each of its 1 pods in demo has its own allow policy');
  });

  it('fails, naming the pod and its labels, when the chart renders labels the file does not declare (a chart bump, a renamed release)', () => {
    const r = checkCharts(dist('renamed', 'demo-v2', { 'app.kubernetes.io/name': 'demo' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      '- ❌ demo 1.1.0:\n  - `Deployment demo/demo-v2: selected by no allow policy of demo (only default-deny cuts it off): its labels {"app.kubernetes.io/name":"demo-v2"} match no component declared in the chart\'s file`',
    );
    expect(r.stderr).toContain('check-charts: 1 finding(s)');
  });

  it('fails when two components of the file select the same pod (it would have both one\'s doors and the other\'s)', () => {
    const r = checkCharts(dist('twice', 'demo', { 'app.kubernetes.io/name': 'demo' }, { 'app.kubernetes.io/name': 'demo' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('`Deployment demo/demo: selected by 2 allow policies of demo (allow-app, allow-other): its labels {"app.kubernetes.io/name":"demo"} match several components`');
  });
});
