import { groupOf, type Manifest } from '../render';

/*
 * Whether the workloads a chart file declares (HelmRelease `workloads` and `webhookDeployments`,
 * recorded on the HelmChart, read by workloadsOf) are the ones the chart really runs: the apply's
 * health check waits for each declared one to be rolled out, so a declared name the chart does not
 * render would fail every deploy, and a rendered one left undeclared would never be judged. A chart
 * bump that renames or adds a workload, or a value that turns a Deployment into a DaemonSet, shows
 * here. Run on real `helm template` output by `npm run check-charts` (lib/delivery/helm.ts).
 */

/** The kinds the apply can judge a rollout of, as a declaration spells them. */
const KINDS: Readonly<Record<string, string>> = { Deployment: 'deployment', DaemonSet: 'daemonset', StatefulSet: 'statefulset' };
const DECLARED = /^(deployment|daemonset|statefulset)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A workload a chart runs: `kind/name` as declared, and the namespace it lands in. */
export interface RenderedWorkload {
  readonly ref: string;
  readonly namespace: string;
}

/**
 * The name Grafana's Alloy chart gives the workload of a release (its `alloy.fullname`): the Alloy
 * operator installs that chart for each `Alloy` object, as a release named after the object.
 */
function alloyFullname(release: string, spec: { fullnameOverride?: string; nameOverride?: string }): string {
  const trim = (s: string) => s.slice(0, 63).replace(/-+$/, '');
  if (spec.fullnameOverride) return trim(spec.fullnameOverride);
  const name = spec.nameOverride || 'alloy';
  return trim(release.includes(name) ? release : `${release}-${name}`);
}

/**
 * The Deployments, DaemonSets and StatefulSets of a chart's rendered objects (helm hooks left out:
 * they come and go with an install), and those Grafana's Alloy operator makes of each `Alloy`
 * object (`spec.controller.type`, the Alloy chart's default a DaemonSet).
 */
export function renderedWorkloads(objects: readonly Manifest[], namespace: string): RenderedWorkload[] {
  const out: RenderedWorkload[] = [];
  for (const o of objects) {
    const ns = o.metadata.namespace ?? namespace;
    const kind = KINDS[o.kind];
    if (kind && groupOf(o.apiVersion) === 'apps' && !(o.metadata.annotations as Record<string, string> | undefined)?.['helm.sh/hook']) {
      out.push({ ref: `${kind}/${o.metadata.name}`, namespace: ns });
    }
    if (o.kind === 'Alloy' && groupOf(o.apiVersion) === 'collectors.grafana.com') {
      const spec = (o.spec ?? {}) as { fullnameOverride?: string; nameOverride?: string; controller?: { type?: string } };
      out.push({ ref: `${(spec.controller?.type ?? 'daemonset').toLowerCase()}/${alloyFullname(o.metadata.name, spec)}`, namespace: ns });
    }
  }
  return out;
}

export interface WorkloadComparison {
  /** Declared and rendered in the target namespace. */
  readonly matched: string[];
  /** One line naming both sides, `declared deployment/foo, helm renders none; renders deployment/bar, not declared`; undefined when they agree. */
  readonly problem?: string;
}

const list = (refs: readonly string[]) => refs.join(', ');

/** Holds the declared `kind/name`s against the workloads the chart renders for a release in `namespace`. */
export function compareWorkloads(declared: readonly string[], rendered: readonly RenderedWorkload[], namespace: string): WorkloadComparison {
  const malformed = declared.filter((d) => !DECLARED.test(d));
  const wanted = [...new Set(declared.filter((d) => DECLARED.test(d)))].sort();
  const here = new Set(rendered.filter((w) => w.namespace === namespace).map((w) => w.ref));
  const elsewhere = rendered.filter((w) => w.namespace !== namespace);
  const missing = wanted.filter((d) => !here.has(d));
  const undeclared = [...here].filter((r) => !wanted.includes(r)).sort();
  const parts = [
    malformed.length && `declared ${list(malformed.map((d) => JSON.stringify(d)))}, expected kind/name with kind deployment, daemonset or statefulset`,
    missing.length && `declared ${list(missing)}, helm renders ${missing.length === 1 ? 'none' : 'none of them'} in ${namespace}`,
    undeclared.length && `renders ${list(undeclared)}, not declared`,
    elsewhere.length && `renders ${list(elsewhere.map((w) => `${w.ref} in ${w.namespace}`))}, outside its target namespace ${namespace} (the apply judges only workloads of the target namespace)`,
  ].filter((p): p is string => Boolean(p));
  return { matched: wanted.filter((d) => here.has(d)), ...(parts.length ? { problem: parts.join('; ') } : {}) };
}
