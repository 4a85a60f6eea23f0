import { groupOf, PHASES, type Manifest } from '../render';
import { PROTECTED_RESOURCES } from './guard';
import type { ChartDiff } from './helm';
import { objectKey, type DistObject } from './manifests';

/*
 * Data the prune guard cannot see. What a chart renders (its PersistentVolumeClaims, the CRDs in
 * its templates) belongs to the helm release, not to an ApplySet, so the apply's inventory never
 * counts it; helm-controller's `helm upgrade` deletes every object the old release rendered and
 * the new one does not (all of them on uninstall). Here the chart diff, both sides rendered by a
 * real helm (lib/delivery/helm.ts), is judged by the kinds guard.ts protects: a chart change that
 * loses one is refused unless --allow-destructive is given, like a prune of dist/'s own objects.
 *
 * What helm leaves alone is not a loss:
 *  - an object whose old render carries `helm.sh/resource-policy: keep` (helm skips it on upgrade
 *    and on uninstall);
 *  - hooks (`helm.sh/hook`) and CRDs of a chart's `crds/` folder: never part of the release's
 *    manifest, so helm never deletes them;
 *  - an object dist/ takes over: the head's dist/ renders the same object with the keep
 *    annotation in a phase applied before the HelmCharts (01-prerequisites), so the live object
 *    is annotated before helm-controller upgrades the release, and `helm upgrade` reads the live
 *    annotation (helm.sh/helm/v3 pkg/kube/client.go, Update). This is how charts/uptime-kuma.ts
 *    hands its volume over to dist/. An uninstall reads the old release's manifest instead, so a
 *    chart removed outright loses its objects whatever dist/ holds.
 */

export const KEEP_ANNOTATION = 'helm.sh/resource-policy';

/** One object a chart change would make helm delete. */
export interface ChartDataLoss {
  /** `HelmChart kube-system/uptime-kuma`. */
  readonly chart: string;
  /** `PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc`. */
  readonly object: string;
  /** `persistentvolumeclaim`: the guard's name of the kind. */
  readonly resource: string;
  /** Why a dist/ object of the same name does not save it, when there is one. */
  readonly note?: string;
}

const annotationsOf = (m: Manifest) => (m.metadata.annotations as Record<string, string> | undefined) ?? {};
const kept = (m: Manifest) => annotationsOf(m)[KEEP_ANNOTATION] === 'keep';

/** `persistentvolumeclaim`, `customresourcedefinition.apiextensions.k8s.io`: as guard.ts names kinds. */
export function resourceOf(m: Pick<Manifest, 'apiVersion' | 'kind'>): string {
  const group = groupOf(m.apiVersion);
  return `${m.kind.toLowerCase()}${group ? `.${group}` : ''}`;
}

/** The protected kinds that have no namespace; helm installs every other one into the release's namespace when its template names none. */
const CLUSTER_SCOPED = new Set(['namespace', 'persistentvolume', 'customresourcedefinition.apiextensions.k8s.io']);

/** `PersistentVolumeClaim uptime-kuma/x`, `CustomResourceDefinition widgets.example.com`. */
const objectName = (m: Manifest, namespace: string | undefined) => `${m.kind} ${namespace ? `${namespace}/` : ''}${m.metadata.name}`;

/** helm's `# Source:` of a file in a chart's (or a subchart's) `crds/` folder, not its templates. */
export const isCrdsFolder = (source: string) => /^[^/]+(\/charts\/[^/]+)*\/crds\//.test(source);

/** The objects each chart change would make helm delete, of the kinds the prune guard protects. */
export function chartDataLosses(charts: readonly ChartDiff[], head: ReadonlyMap<string, DistObject>): ChartDataLoss[] {
  const protectedKinds = new Set<string>(PROTECTED_RESOURCES);
  const beforeCharts = PHASES.indexOf('02-helm-charts');
  const losses: ChartDataLoss[] = [];
  for (const c of charts) {
    const [, , chartNamespace, chartName] = c.key.split('/');
    const chart = `HelmChart ${chartNamespace}/${chartName}`;
    const uninstalled = c.after === undefined;
    for (const o of c.result.removed) {
      const m = o.manifest;
      const resource = resourceOf(m);
      if (!protectedKinds.has(resource) || kept(m) || annotationsOf(m)['helm.sh/hook'] || isCrdsFolder(o.file)) continue;
      const namespace = CLUSTER_SCOPED.has(resource) ? undefined : (m.metadata.namespace ?? c.namespace);
      const taker = head.get(objectKey({ ...m, metadata: { ...m.metadata, namespace } }));
      let note: string | undefined;
      if (taker) {
        const early = taker.phase !== undefined && PHASES.indexOf(taker.phase) < beforeCharts;
        if (!uninstalled && early && kept(taker.manifest)) continue;
        note = uninstalled
          ? `dist/ renders it too, but removing the chart uninstalls the release, which deletes what the old release rendered`
          : !kept(taker.manifest)
            ? `dist/ renders it too, without the annotation ${KEEP_ANNOTATION}: keep that stops helm from deleting it`
            : `dist/ renders it too, but in ${taker.phase ?? taker.file}, applied after the chart's upgrade: it must be in 01-prerequisites`;
      }
      losses.push({ chart, object: objectName(m, namespace), resource, ...(note ? { note } : {}) });
    }
  }
  return losses;
}

/** `HelmChart kube-system/uptime-kuma: would delete PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc`. */
export const describeLoss = (l: ChartDataLoss) => `${l.chart}: would delete ${l.object}${l.note ? ` (${l.note})` : ''}`;

/** The verdict on a chart diff, in the guard's terms: refused unless `allowDestructive`. */
export function checkChartData(charts: readonly ChartDiff[], head: ReadonlyMap<string, DistObject>, opts: { allowDestructive?: boolean } = {}) {
  const losses = chartDataLosses(charts, head);
  return { ok: losses.length === 0 || opts.allowDestructive === true, losses };
}
