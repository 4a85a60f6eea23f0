import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import { HELM_VERSIONS } from '../../config/versions';
import { chartDataLosses, describeLoss } from '../../lib/delivery/chart-data';
import { kubernetesVersionOf, startControlPlane, type ControlPlane } from '../../lib/delivery/control-plane';
import { diffRenderedCharts, renderChartObjects, type HelmOptions } from '../../lib/delivery/helm';
import { collectObjects } from '../../lib/delivery/manifests';
import { HEADER, type Manifest } from '../../lib/render';
import { find, render, tempGitRepo } from '../helpers';

/*
 * Data the prune guard cannot see, with a real helm: the fixture chart test/fixtures/charts/
 * stateful-1.0.0 (a PVC named and switched as Uptime Kuma's chart 4.1.0 does it, a CRD in its
 * templates and one in crds/) rendered on both sides of a change by `npm run diff -- --charts`,
 * which refuses a change that loses a PVC or CRD unless --allow-destructive is given; and the same
 * changes installed by a real helm 3 (what helm-controller runs) into a real kube-apiserver, where
 * what the check predicts is what helm really deletes.
 */

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/charts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const buildHelm = (version: string) =>
  execFileSync('bash', [join(root, 'scripts/build-helm.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;

/** The HelmChart of dist/ for the fixture chart, as HelmRelease renders one. */
function helmChart(values: Record<string, unknown>, release = 'stateful'): Manifest {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: release, namespace: 'kube-system' },
    spec: { repo: 'https://charts.example.invalid', chart: 'stateful', version: '1.0.0', targetNamespace: release, valuesContent: stringify(values) },
  };
}
const file = (...objects: Manifest[]) => HEADER + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');

/** A claim as dist/ renders a volume it owns: kept from helm when `keep`. */
const distClaim = (name: string, namespace: string, keep = true): Manifest => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace, ...(keep ? { annotations: { 'helm.sh/resource-policy': 'keep' } } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

function runDiff(cwd: string, helm: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/run.mjs'), join(root, 'scripts/diff.ts'), '--base', 'HEAD', '--charts', fixtures, '--helm', helm, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(Object.entries(HELM_VERSIONS))('npm run diff -- --charts, with helm %s (%s)', (_major, version) => {
  let helm: string;
  beforeAll(() => {
    helm = buildHelm(version);
  });

  it('refuses turning the chart\'s volume off, naming the PVC, and lets it through with --allow-destructive', () => {
    const r = tempGitRepo('chart-data-', dirs);
    r.write('dist/02-helm-charts/stateful.yaml', file(helmChart({})));
    r.commit();
    r.write('dist/02-helm-charts/stateful.yaml', file(helmChart({ volume: { enabled: false } })));

    const refused = runDiff(r.dir, helm);
    expect(refused.status, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('diff: refused: HelmChart kube-system/stateful: would delete PersistentVolumeClaim stateful/stateful-pvc. Re-run with --allow-destructive if this is intended.');
    // The report is still written, led by the refusal, with the chart's section below it.
    expect(refused.stdout).toContain('### ⛔ Helm would delete data the prune guard cannot see: refused\n\n- <code>HelmChart kube-system/stateful: would delete PersistentVolumeClaim stateful/stateful-pvc</code>');
    expect(refused.stdout).toContain('🔴 removed <code>PersistentVolumeClaim stateful/stateful-pvc</code>');

    const allowed = runDiff(r.dir, helm, '--allow-destructive', '--format', 'text');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout.split('\n').slice(0, 2)).toEqual([
      'Helm will delete data the prune guard cannot see (allowed by --allow-destructive):',
      '  HelmChart kube-system/stateful: would delete PersistentVolumeClaim stateful/stateful-pvc',
    ]);

    // A change that keeps the volume (a bigger one) passes without the flag.
    r.write('dist/02-helm-charts/stateful.yaml', file(helmChart({ volume: { size: '2Gi' } })));
    const resized = runDiff(r.dir, helm);
    expect(resized.status, resized.stderr).toBe(0);
    expect(resized.stdout).not.toContain('prune guard cannot see');
  });

  it('names a CRD the chart\'s templates stop rendering; CRDs of its crds/ folder are never the release\'s', () => {
    const opts: HelmOptions = { helm, charts: fixtures, kubeVersion: '1.32.5' };
    const base = new Map([['02-helm-charts/stateful.yaml', file(helmChart({}))]]);
    const head = new Map([['02-helm-charts/stateful.yaml', file(helmChart({ crds: { enabled: false } }))]]);
    const charts = diffRenderedCharts(base, head, opts);
    expect(chartDataLosses(charts, collectObjects(head)).map(describeLoss)).toEqual(['HelmChart kube-system/stateful: would delete CustomResourceDefinition widgets.stateful.example.com']);
    // helm names where each object came from: the check's crds/ rule reads exactly this.
    const sources = renderChartObjects(base, opts)[0]!.objects.filter((o) => o.manifest.kind === 'CustomResourceDefinition').map((o) => [o.manifest.metadata.name, o.source]);
    expect(sources).toEqual([
      ['gadgets.stateful.example.com', 'stateful/crds/gadgets.yaml'],
      ['widgets.stateful.example.com', 'stateful/templates/crd.yaml'],
    ]);
    // Removing the chart uninstalls the release: its PVC and template CRD go, its crds/ CRD stays.
    expect(chartDataLosses(diffRenderedCharts(base, new Map(), opts), new Map()).map((l) => l.object)).toEqual([
      'CustomResourceDefinition widgets.stateful.example.com',
      'PersistentVolumeClaim stateful/stateful-pvc',
    ]);
  });

  it('Uptime Kuma\'s hand-over passes: its values and claim from charts/uptime-kuma.ts, on the fixture that names the PVC as its chart does', () => {
    // dist/ as the platform renders it now, with the HelmChart pointed at the fixture chart.
    const { objects } = render({ apps: [] });
    const chart = find(objects, 'HelmChart', 'uptime-kuma', 'kube-system') as unknown as Manifest;
    const claim = find(objects, 'PersistentVolumeClaim', 'uptime-kuma-pvc', 'uptime-kuma');
    const values = parse((chart.spec as { valuesContent: string }).valuesContent) as Record<string, any>;
    const onFixture = (v: Record<string, unknown>) => ({ ...helmChart(v, 'uptime-kuma'), spec: { ...(chart.spec as object), chart: 'stateful', version: '1.0.0', valuesContent: stringify(v) } });
    // Before: the chart made the claim itself (the values this repository had before dist/ owned it).
    const before = { ...values, volume: { enabled: true, accessMode: 'ReadWriteOnce', size: '2Gi', storageClassName: 'civo-volume' } };
    const { file: _file, ...claimManifest } = claim;

    const r = tempGitRepo('chart-data-uptime-', dirs);
    r.write('dist/02-helm-charts/uptime-kuma.yaml', file(onFixture(before)));
    r.commit();
    r.write('dist/01-prerequisites/uptime-kuma.yaml', file(claimManifest as Manifest));
    r.write('dist/02-helm-charts/uptime-kuma.yaml', file(onFixture(values)));
    const handedOver = runDiff(r.dir, helm, '--format', 'text');
    expect(handedOver.status, handedOver.stderr).toBe(0);
    // The chart really stops rendering the claim: the check saw it go and let dist/ take it.
    const lines = handedOver.stdout.split('\n');
    expect(lines).toContain('+ PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc');
    expect(lines).toContain('  - PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc');

    // Without the keep annotation dist/ would only recreate an empty claim after helm deleted it.
    const { annotations: _keep, ...metadata } = claimManifest.metadata as Record<string, unknown>;
    r.write('dist/01-prerequisites/uptime-kuma.yaml', file({ ...claimManifest, metadata } as Manifest));
    const unkept = runDiff(r.dir, helm);
    expect(unkept.status).toBe(3);
    expect(unkept.stderr).toContain('HelmChart kube-system/uptime-kuma: would delete PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc (dist/ renders it too, without the annotation helm.sh/resource-policy: keep');
  });
});

describe('what helm 3 really deletes, on a real kube-apiserver', () => {
  let cp: ControlPlane;
  let helm: string;
  let scratch: string;
  beforeAll(async () => {
    helm = buildHelm(HELM_VERSIONS.v3);
    cp = await startControlPlane({ version: kubernetesVersionOf(cluster), root });
    scratch = mkdtempSync(join(tmpdir(), 'chart-data-values-'));
    dirs.push(scratch);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const helmIn = (namespace: string, ...args: string[]) => execFileSync(helm, [...args, '--namespace', namespace, '--kubeconfig', cp.kubeconfig], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const valuesFile = (name: string, values: Record<string, unknown>) => {
    const path = join(scratch, `${name}.yaml`);
    writeFileSync(path, stringify(values));
    return path;
  };
  /** `present` with its uid, or `deleted` (gone, or marked for deletion and held by its protection finalizer). */
  const claimState = (namespace: string, name: string) => {
    const out = cp.kubectl(['-n', namespace, 'get', 'pvc', name, '--ignore-not-found', '-o', 'json']);
    if (!out.trim()) return 'deleted';
    const pvc = JSON.parse(out) as { metadata: { uid: string; deletionTimestamp?: string } };
    return pvc.metadata.deletionTimestamp ? 'deleted' : `present ${pvc.metadata.uid}`;
  };

  // One release per change: [name, values installed, values upgraded to, the claim dist/ applies in
  // between]. The template CRD is off: one cluster-scoped CRD cannot belong to several releases.
  const changes: [string, Record<string, unknown>, Record<string, unknown>, Manifest | undefined][] = [
    ['volume-off', {}, { volume: { enabled: false } }, undefined],
    ['chart-keeps', { volume: { keep: true } }, { volume: { enabled: false } }, undefined],
    ['hand-over', {}, { volume: { existingClaim: 'hand-over-pvc' } }, distClaim('hand-over-pvc', 'hand-over')],
    ['hand-over-unkept', {}, { volume: { existingClaim: 'hand-over-unkept-pvc' } }, distClaim('hand-over-unkept-pvc', 'hand-over-unkept', false)],
  ];

  const clusterWide = { replicas: 0, crds: { enabled: false } };

  it.each(changes)('%s: the check predicts what helm upgrade does to the PVC', (release, installed, upgraded, claim) => {
    const opts: HelmOptions = { helm, charts: fixtures, kubeVersion: kubernetesVersionOf(cluster) };
    const base = new Map([['02-helm-charts/c.yaml', file(helmChart({ ...clusterWide, ...installed }, release))]]);
    const head = new Map([['02-helm-charts/c.yaml', file(helmChart({ ...clusterWide, ...installed, ...upgraded }, release))], ...(claim ? [['01-prerequisites/c.yaml', file(claim)] as const] : [])]);
    const predicted = chartDataLosses(diffRenderedCharts(base, head, opts), collectObjects(head)).map((l) => l.object);

    cp.kubectl(['create', 'namespace', release]);
    const chart = join(fixtures, 'stateful-1.0.0');
    helmIn(release, 'install', release, chart, '--values', valuesFile(`${release}-1`, { ...clusterWide, ...installed }));
    const installedState = claimState(release, `${release}-pvc`);
    expect(installedState).toMatch(/^present /);
    // dist/'s phase 01 runs before the HelmChart changes: the apply's server-side apply, forcing helm's fields over.
    if (claim) cp.kubectl(['apply', '--server-side', '--field-manager=hobby-infra', '--force-conflicts', '-f', '-'], JSON.stringify(claim));
    helmIn(release, 'upgrade', release, chart, '--values', valuesFile(`${release}-2`, { ...clusterWide, ...installed, ...upgraded }));

    const after = claimState(release, `${release}-pvc`);
    const deleted = after === 'deleted';
    expect(predicted).toEqual(deleted ? [`PersistentVolumeClaim ${release}/${release}-pvc`] : []);
    // Kept means the same claim (and volume), not a new empty one.
    if (!deleted) expect(after).toBe(installedState);
    // And helm does delete in the plain case: the premise of the whole check.
    if (release === 'volume-off' || release === 'hand-over-unkept') expect(deleted).toBe(true);
  });
});
