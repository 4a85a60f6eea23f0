import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_VERSIONS } from '../../config/versions';
import { HelmRelease, type HelmReleaseProps } from '../../lib/constructs/helm-release';
import { writeTreeAtomically } from '../../lib/output';
import { PlatformChart, renderFiles } from '../../lib/render';

/*
 * `npm run check-charts` holds the workloads a chart file declares (which the apply waits for)
 * against what the chart really renders: the fixture chart (test/fixtures/charts/demo-1.1.0, one
 * Deployment named after the release, and with `webhook.enabled` an admission webhook its Service
 * sends to that Deployment) rendered by a real helm, its HelmChart rendered by the platform's own
 * construct, as synth would. In CI the same check runs on every chart
 * config/versions.ts pins, pulled (.github/workflows/pr.yml).
 */

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/charts');
let helm: string;
let scratch: string;

beforeAll(() => {
  helm = execFileSync('bash', [join(root, 'scripts/build-helm.sh'), HELM_VERSIONS.v3], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  scratch = mkdtempSync(join(tmpdir(), 'chart-workloads-'));
});
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

/** dist/ with the demo chart installed as `release` into `demo`, declaring what `declared` says; `webhook` turns on its admission webhook. */
function dist(name: string, release: string, declared: Pick<HelmReleaseProps, 'workloads' | 'webhookDeployments'>, webhook?: { service?: string }): string {
  const app = new App();
  const chart = new PlatformChart(app, 'demo');
  new HelmRelease(chart, release, {
    chart: { repo: 'https://charts.example.invalid', chart: 'demo', version: '1.1.0' },
    targetNamespace: 'demo',
    values: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } }, ...(webhook ? { webhook: { enabled: true, ...webhook } } : {}) },
    ...declared,
  });
  const dir = join(scratch, name);
  writeTreeAtomically(dir, renderFiles(app));
  return dir;
}

const checkCharts = (distDir: string) =>
  spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/check-charts.ts', '--charts', fixtures, '--helm', helm, '--dist', distDir], { cwd: root, encoding: 'utf8' });

describe('declared workloads of rendered charts', () => {
  it('passes when the file declares exactly the workload the chart renders', () => {
    const r = checkCharts(dist('declared', 'demo', { workloads: ['deployment/demo'] }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('- ✅ demo 1.1.0: declares the one workload it renders in demo (deployment/demo)\n');
  });

  it('fails, naming both sides, when the release is renamed under the declaration (the chart names its Deployment after the release)', () => {
    const r = checkCharts(dist('renamed', 'demo-v2', { workloads: ['deployment/demo'] }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('- ❌ demo 1.1.0: declared deployment/demo, helm renders none in demo; renders deployment/demo-v2, not declared');
    expect(r.stderr).toContain('check-charts: 1 finding(s)');
  });

  it('fails when the chart renders a workload the file does not declare (the apply would never judge it)', () => {
    const r = checkCharts(dist('undeclared', 'demo', {}));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('- ❌ demo 1.1.0: renders deployment/demo, not declared');
  });

  it('fails when the file declares a workload of another kind than the chart renders (the apply would wait for one that never comes)', () => {
    const r = checkCharts(dist('kind', 'demo', { workloads: ['deployment/demo', 'daemonset/demo'] }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('- ❌ demo 1.1.0: declared daemonset/demo, helm renders none in demo\n');
  });

  it('passes when the Deployment behind the chart\'s admission webhook is declared as its webhook Deployment (a workload too)', () => {
    const r = checkCharts(dist('webhook', 'demo', { webhookDeployments: ['demo'] }, {}));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '- ✅ demo 1.1.0: declares the one workload it renders in demo (deployment/demo); its 1 admission webhooks are served by deployment/demo, declared as its webhook Deployments',
    );
  });

  it('fails when the chart serves an admission webhook from a Deployment the file does not name as its webhook Deployment (the apply would not wait for it)', () => {
    const r = checkCharts(dist('webhook-undeclared', 'demo', { workloads: ['deployment/demo'] }, {}));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('- ❌ demo 1.1.0: serves the webhooks validate.demo.example.com from deployment/demo, not in webhookDeployments\n');
  });

  it('fails when a declared webhook Deployment serves none of the chart\'s webhooks, or a webhook calls a Service the chart does not render', () => {
    const idle = checkCharts(dist('webhook-idle', 'demo', { webhookDeployments: ['demo'] }));
    expect(idle.status).toBe(1);
    expect(idle.stdout).toContain('- ❌ demo 1.1.0: declared webhook Deployment demo, which serves none of the webhooks the chart renders\n');
    const elsewhere = checkCharts(dist('webhook-elsewhere', 'demo', { workloads: ['deployment/demo'] }, { service: 'other' }));
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stdout).toContain(
      '- ❌ demo 1.1.0: webhook validate.demo.example.com calls the Service demo/other, which the chart does not render (the apply can wait only for a Deployment)\n',
    );
  });
});
