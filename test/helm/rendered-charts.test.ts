import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HELM_VERSIONS } from '../../config/versions';
import { HEADER } from '../../lib/render';
import { tempGitRepo } from '../helpers';
import { diffDist, readDistAtRef, readDistDir } from '../../lib/delivery/diff';
import { renderMarkdown } from '../../lib/delivery/diff-report';
import { containerResourceProblems, diffRenderedCharts, renderChartObjects, type HelmOptions } from '../../lib/delivery/helm';

/*
 * The rendered-chart diff and checks with a real helm (v3 and v4, from the official Go modules via
 * scripts/build-helm.sh) on the project's own fixture chart, test/fixtures/charts/demo-{1.0.0,1.1.0}.
 */

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/charts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The helm binary of `version`, built once per machine; a missing Go fails here, in one line. */
function buildHelm(version: string): string {
  try {
    return execFileSync('bash', [join(root, 'scripts/build-helm.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').pop();
    throw new Error(`scripts/build-helm.sh ${version} failed: ${stderr || (error as Error).message}`);
  }
}


function helmChartFile(version: string, values: Record<string, unknown>): string {
  const manifest = {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: 'demo', namespace: 'kube-system' },
    spec: { repo: 'https://charts.example.invalid', chart: 'demo', version, targetNamespace: 'demo', valuesContent: stringify(values) },
  };
  return HEADER + stringify(manifest, { lineWidth: 0 });
}

const sized = { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } };

const repo = () => tempGitRepo('helm-diff-test-', dirs);

describe.each(Object.entries(HELM_VERSIONS))('with helm %s (%s)', (_major, version) => {
  let opts: HelmOptions;
  beforeAll(() => {
    opts = { helm: buildHelm(version), charts: fixtures, kubeVersion: '1.32.5' };
  });

  it('a chart version bump shows the rendered objects that change, appear and disappear', () => {
    const r = repo();
    r.write('dist/02-helm-charts/demo.yaml', helmChartFile('1.0.0', sized));
    r.commit();
    r.write('dist/02-helm-charts/demo.yaml', helmChartFile('1.1.0', sized));
    const charts = diffRenderedCharts(readDistAtRef(r.dir, 'HEAD'), readDistDir(join(r.dir, 'dist')), opts);
    expect(charts.map((c) => [c.chart, c.before, c.after])).toEqual([['demo', '1.0.0', '1.1.0']]);
    const { result } = charts[0]!;
    expect(result.added.map((o) => o.key)).toEqual(['policy/PodDisruptionBudget/demo/demo']);
    expect(result.removed.map((o) => o.key)).toEqual(['/ConfigMap/demo/demo-settings']);
    expect(result.changed.map((c) => c.name)).toEqual(['Deployment demo/demo']);
    expect(result.changed[0]!.fields.map((f) => [f.path, f.before, f.after])).toEqual([
      ['metadata.labels["helm.sh/chart"]', 'demo-1.0.0', 'demo-1.1.0'],
      ['spec.template.spec.containers[0].image', 'ghcr.io/hobby-infra/demo:1.0.0', 'ghcr.io/hobby-infra/demo:1.1.0'],
    ]);
    // The Service renders the same; helm's test hook Pod is never part of the release.
    expect(result.unchanged).toBe(1);
    expect(JSON.stringify(result)).not.toContain('demo-test');

    // And the same through the command a PR runs, as a folded section of the comment.
    const md = execFileSync(process.execPath, [join(root, 'scripts/run.mjs'), join(root, 'scripts/diff.ts'), '--base', 'HEAD', '--charts', fixtures, '--helm', opts.helm], { cwd: r.dir, encoding: 'utf8' });
    expect(md).toContain('**Rendered charts:** demo 1.0.0 → 1.1.0');
    expect(md).toContain('<details><summary>📦 <code>HelmChart.helm.cattle.io kube-system/demo</code> 1.0.0 → 1.1.0: 1 added, 1 removed, 1 changed (1 unchanged)</summary>');
    expect(md).toContain('<code>spec.template.spec.containers[0].image</code>');
    expect(md).toContain('🟢 added <code>PodDisruptionBudget demo/demo</code>');
    expect(md).toContain('🔴 removed <code>ConfigMap demo/demo-settings</code>');
    expect(md).toContain('<sub>demo/templates/deployment.yaml</sub>');
  });

  it('a values change renders too; an unchanged HelmChart is not rendered at all', () => {
    const base = new Map([['02-helm-charts/demo.yaml', helmChartFile('1.0.0', { ...sized, port: 8080 })]]);
    const head = new Map([['02-helm-charts/demo.yaml', helmChartFile('1.0.0', { ...sized, port: 9090 })]]);
    const [chart] = diffRenderedCharts(base, head, opts);
    expect(chart!.result.changed.flatMap((c) => c.fields.map((f) => `${c.name} ${f.path}: ${f.before} → ${f.after}`))).toEqual([
      'ConfigMap demo/demo-settings data.port: 8080 → 9090',
      'Deployment demo/demo spec.template.spec.containers[0].ports[0].containerPort: 8080 → 9090',
      'Service demo/demo spec.ports[0].targetPort: 8080 → 9090',
    ]);
    expect(diffRenderedCharts(base, base, opts)).toEqual([]);
    // A new HelmChart is rendered against nothing: everything it deploys is added.
    const added = diffRenderedCharts(new Map(), head, opts)[0]!;
    expect([added.before, added.after, added.result.added.length, added.result.removed.length]).toEqual([undefined, '1.0.0', 3, 0]);
    expect(renderMarkdown(diffDist(base, head), { charts: [chart!] })).toContain('📦 <code>HelmChart.helm.cattle.io kube-system/demo</code> 1.0.0 (values)');
  });

  it('finds containers without requests or a memory limit in what the chart renders', () => {
    const files = (values: Record<string, unknown>) => new Map([['02-helm-charts/demo.yaml', helmChartFile('1.1.0', values)]]);
    const problems = (values: Record<string, unknown>) =>
      renderChartObjects(files(values), opts).flatMap(({ objects }) => containerResourceProblems(objects.map((o) => o.manifest)));
    expect(problems(sized)).toEqual([]);
    expect(problems({ ...sized, sidecar: { enabled: true } })).toEqual(['Deployment demo/demo container sidecar: no cpu request, no memory request, no memory limit']);
    expect(problems({ resources: { requests: { cpu: '10m', memory: '32Mi' } } })).toEqual(['Deployment demo/demo container app: no memory limit']);
  });

  it('says which chart is missing instead of rendering nothing', () => {
    const files = new Map([['02-helm-charts/demo.yaml', helmChartFile('9.9.9', sized)]]);
    expect(() => renderChartObjects(files, opts)).toThrow(/chart demo 9\.9\.9 is not in .*demo-9\.9\.9\.tgz/);
  });
});
