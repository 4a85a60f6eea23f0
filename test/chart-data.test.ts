import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { chartDataLosses, checkChartData, describeLoss, isCrdsFolder } from '../lib/delivery/chart-data';
import { diffObjects } from '../lib/delivery/diff';
import { MAX_COMMENT_CHARS, renderMarkdown, renderText } from '../lib/delivery/diff-report';
import type { ChartDiff } from '../lib/delivery/helm';
import { collectObjects, objectKey, type DistObject } from '../lib/delivery/manifests';
import type { Manifest } from '../lib/render';

/*
 * What a chart change would make helm delete, judged on chart diffs built here (test/helm/
 * chart-data.test.ts renders real ones with a real helm): which removed objects count, which helm
 * leaves alone, and when dist/ really takes an object over.
 */

const pvc = (name: string, extra: Partial<Manifest['metadata']> = {}): Manifest => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'data', ...extra }, spec: {} });
const crd = (name: string): Manifest => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name }, spec: {} });
const configMap = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'data' } });

/** Rendered chart objects as helm.ts keys them, each from the template `source`. */
const rendered = (...objects: [string, Manifest][]) => new Map<string, DistObject>(objects.map(([file, manifest]) => [objectKey(manifest), { key: objectKey(manifest), file, phase: undefined, manifest }]));

/** A chart diff that drops every object of `before` (or keeps it, when `after` has it too). */
function chartDiff(before: Map<string, DistObject>, after: Map<string, DistObject> = new Map(), removed = false): ChartDiff {
  return { key: 'helm.cattle.io/HelmChart/kube-system/store', name: 'HelmChart.helm.cattle.io kube-system/store', chart: 'store', before: '1.0.0', after: removed ? undefined : '1.0.0', namespace: 'data', result: diffObjects(before, after) };
}

/** dist/ of the head: a file of `phase` holding `objects`. */
const dist = (phase: string, ...objects: Manifest[]) => collectObjects(new Map([[`${phase}/store.yaml`, objects.map((o) => stringify(o)).join('---\n')]]));

const keep = { annotations: { 'helm.sh/resource-policy': 'keep' } };

describe('chart data losses', () => {
  it('names every PVC and template CRD a chart change drops, and nothing of the kinds the guard does not protect', () => {
    const before = rendered(['store/templates/pvc.yaml', pvc('store-pvc')], ['store/templates/crd.yaml', crd('widgets.example.com')], ['store/templates/cm.yaml', configMap('settings')]);
    const losses = chartDataLosses([chartDiff(before)], new Map());
    expect(losses.map(describeLoss)).toEqual([
      'HelmChart kube-system/store: would delete CustomResourceDefinition widgets.example.com',
      'HelmChart kube-system/store: would delete PersistentVolumeClaim data/store-pvc',
    ]);
    expect(checkChartData([chartDiff(before)], new Map())).toMatchObject({ ok: false });
    expect(checkChartData([chartDiff(before)], new Map(), { allowDestructive: true })).toMatchObject({ ok: true, losses });
    // What the chart still renders is no loss.
    expect(chartDataLosses([chartDiff(before, before)], new Map())).toEqual([]);
  });

  it('a PVC whose template names no namespace is named in the release namespace, where helm puts it', () => {
    const bare: Manifest = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'store-pvc' }, spec: {} };
    expect(chartDataLosses([chartDiff(rendered(['store/templates/pvc.yaml', bare]))], new Map()).map((l) => l.object)).toEqual(['PersistentVolumeClaim data/store-pvc']);
  });

  it('leaves out what helm never deletes: objects the chart marks keep, hooks, and CRDs of the crds/ folder', () => {
    const before = rendered(
      ['store/templates/pvc.yaml', pvc('kept', keep)],
      ['store/templates/hook.yaml', pvc('hooked', { annotations: { 'helm.sh/hook': 'pre-install' } })],
      ['store/crds/gadgets.yaml', crd('gadgets.example.com')],
      ['store/charts/sub/crds/parts.yaml', crd('parts.example.com')],
    );
    expect(chartDataLosses([chartDiff(before)], new Map())).toEqual([]);
    // CRDs rendered from templates (external-secrets keeps them in templates/crds/) are deleted with the release.
    expect(isCrdsFolder('external-secrets/templates/crds/secretstore.yaml')).toBe(false);
    expect(isCrdsFolder('store/crds/gadgets.yaml')).toBe(true);
    expect(isCrdsFolder('store/charts/sub/crds/parts.yaml')).toBe(true);
  });

  it('a PVC that dist/ takes over is kept only with the keep annotation, before the charts, and while the chart stays', () => {
    const before = rendered(['store/templates/pvc.yaml', pvc('store-pvc')]);
    expect(chartDataLosses([chartDiff(before)], dist('01-prerequisites', pvc('store-pvc', keep)))).toEqual([]);

    const notes = (head: Map<string, DistObject>, removed = false) => chartDataLosses([chartDiff(before, new Map(), removed)], head).map((l) => l.note);
    expect(notes(dist('01-prerequisites', pvc('store-pvc')))).toEqual(['dist/ renders it too, without the annotation helm.sh/resource-policy: keep that stops helm from deleting it']);
    expect(notes(dist('04-apps', pvc('store-pvc', keep)))).toEqual(["dist/ renders it too, but in 04-apps, applied after the chart's upgrade: it must be in 01-prerequisites"]);
    expect(notes(dist('01-prerequisites', pvc('store-pvc', keep)), true)).toEqual(['dist/ renders it too, but removing the chart uninstalls the release, which deletes what the old release rendered']);
    // Another object of that name (another namespace) takes nothing over.
    expect(notes(dist('01-prerequisites', { ...pvc('store-pvc', keep), metadata: { ...pvc('store-pvc', keep).metadata, namespace: 'other' } }))).toEqual([undefined]);
  });

  it('leads the PR comment and the text report, refused or allowed, and survives a comment cut to size', () => {
    const losses = chartDataLosses([chartDiff(rendered(['store/templates/pvc.yaml', pvc('store-pvc')]))], new Map());
    const empty = { added: [], removed: [], changed: [], unchanged: 0 };
    const md = renderMarkdown(empty, { dataLosses: losses });
    expect(md).toContain('### ⛔ Helm would delete data the prune guard cannot see: refused\n\n- <code>HelmChart kube-system/store: would delete PersistentVolumeClaim data/store-pvc</code>');
    expect(md).toContain('if the deletion is intended, give --allow-destructive.');
    expect(renderMarkdown(empty, { dataLosses: losses, allowDestructive: true })).toContain('### ⚠️ Helm will delete data the prune guard cannot see (allowed by --allow-destructive)');
    expect(renderMarkdown(empty)).not.toContain('prune guard cannot see');
    expect(renderText(empty, [], losses).split('\n').slice(0, 2)).toEqual([
      'Helm would delete data the prune guard cannot see: refused:',
      '  HelmChart kube-system/store: would delete PersistentVolumeClaim data/store-pvc',
    ]);

    // A comment too long even for its summaries still starts with the losses.
    const many = Array.from({ length: 3000 }, (_, i) => ({ key: `/ConfigMap/x/c${i}`, file: '01-prerequisites/x.yaml', phase: '01-prerequisites' as const, manifest: configMap(`c${i}`) }));
    const cut = renderMarkdown({ ...empty, added: many }, { dataLosses: losses });
    expect(cut.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(cut).toContain('The comment is cut');
    expect(cut).toContain('would delete PersistentVolumeClaim data/store-pvc');
  });
});
