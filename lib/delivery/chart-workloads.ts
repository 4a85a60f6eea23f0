import { groupOf, type Manifest } from '../render';
import { webhookDeploymentsOf, workloadsOf } from '../constructs/helm-release';
import { selects } from './chart-network';

/*
 * Whether the workloads a chart file declares (HelmRelease `workloads` and `webhookDeployments`,
 * recorded on the HelmChart, read by workloadsOf) are the ones the chart really runs: the apply's
 * health check waits for each declared one to be rolled out, so a declared name the chart does not
 * render would fail every deploy, and a rendered one left undeclared would never be judged. A chart
 * bump that renames or adds a workload, or a value that turns a Deployment into a DaemonSet, shows
 * here. Likewise the webhook Deployments: the apply waits for them before it sends objects of the
 * chart's CRD groups, so every Deployment behind an admission webhook the chart renders must be one.
 * Run on real `helm template` output by `npm run check-charts` (lib/delivery/helm.ts).
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

/** An admission webhook the chart renders, and the Deployments (in the target namespace) whose pods its Service selects. */
export interface RenderedWebhook {
  readonly name: string;
  readonly deployments: string[];
  /** Why no Deployment could be found behind it (a URL, a Service the chart does not render, pods of another kind). */
  readonly unresolved?: string;
}

type WebhookEntry = { name: string; clientConfig?: { url?: string; service?: { name: string; namespace?: string } } };

/** Every webhook of the chart's Validating/MutatingWebhookConfigurations, traced to the Deployments that serve it. */
export function renderedWebhooks(objects: readonly Manifest[], namespace: string): RenderedWebhook[] {
  const nsOf = (o: Manifest) => o.metadata.namespace ?? namespace;
  const services = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
  const deployments = objects.filter((o) => o.kind === 'Deployment' && groupOf(o.apiVersion) === 'apps' && nsOf(o) === namespace);
  const out: RenderedWebhook[] = [];
  for (const config of objects) {
    if (!/^(Validating|Mutating)WebhookConfiguration$/.test(config.kind) || groupOf(config.apiVersion) !== 'admissionregistration.k8s.io') continue;
    for (const webhook of (config.webhooks as WebhookEntry[] | undefined) ?? []) {
      const ref = webhook.clientConfig?.service;
      if (!ref) {
        out.push({ name: webhook.name, deployments: [], unresolved: `calls ${webhook.clientConfig?.url ?? 'no service'}, not a Service of the chart` });
        continue;
      }
      const where = `${ref.namespace ?? namespace}/${ref.name}`;
      const service = services.find((s) => s.metadata.name === ref.name && nsOf(s) === (ref.namespace ?? namespace));
      const selector = (service?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      const serving = selector
        ? deployments.filter((d) => selects({ matchLabels: selector }, ((d.spec as any)?.template?.metadata?.labels ?? {}) as Record<string, string>)).map((d) => d.metadata.name)
        : [];
      const unresolved = !service ? `calls the Service ${where}, which the chart does not render` : !serving.length ? `calls the Service ${where}, which selects no Deployment of ${namespace}` : undefined;
      out.push({ name: webhook.name, deployments: serving.sort(), ...(unresolved ? { unresolved } : {}) });
    }
  }
  return out;
}

/**
 * Holds the declared webhook Deployments against those that serve the chart's webhooks: one that
 * serves a webhook and is not declared, one declared that serves none, and a webhook no Deployment
 * is found behind (the apply could not wait for it) are findings.
 */
export function compareWebhookDeployments(declared: readonly string[], webhooks: readonly RenderedWebhook[]): string | undefined {
  const serving = new Map<string, string[]>();
  for (const w of webhooks) for (const d of w.deployments) serving.set(d, [...new Set([...(serving.get(d) ?? []), w.name])]);
  const undeclared = [...serving.keys()].filter((d) => !declared.includes(d)).sort();
  const idle = declared.filter((d) => !serving.has(d));
  const parts = [
    ...undeclared.map((d) => `serves the webhooks ${list(serving.get(d)!)} from deployment/${d}, not in webhookDeployments`),
    idle.length && `declared webhook Deployment ${list(idle)}, which serves none of the webhooks the chart renders`,
    ...webhooks.filter((w) => w.unresolved).map((w) => `webhook ${w.name} ${w.unresolved} (the apply can wait only for a Deployment)`),
  ].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Both comparisons for one HelmChart of dist/ and what helm renders for it: `problem` names every
 * disagreement, `summary` what agrees (for the check's report).
 */
export function checkChartWorkloads(helmChart: Manifest, objects: readonly Manifest[], namespace: string): { problem?: string; summary: string } {
  const { matched, problem } = compareWorkloads(workloadsOf(helmChart), renderedWorkloads(objects, namespace), namespace);
  const webhooks = renderedWebhooks(objects, namespace);
  const webhookProblem = compareWebhookDeployments(webhookDeploymentsOf(helmChart), webhooks);
  const problems = [problem, webhookProblem].filter(Boolean);
  const servers = [...new Set(webhooks.flatMap((w) => w.deployments))].sort();
  const summary =
    (matched.length ? `declares ${matched.length === 1 ? 'the one workload' : `all ${matched.length} workloads`} it renders in ${namespace} (${list(matched)})` : 'renders no workloads and declares none') +
    (servers.length ? `; its ${webhooks.length} admission webhooks are served by ${list(servers.map((d) => `deployment/${d}`))}, declared as its webhook Deployments` : '');
  return { ...(problems.length ? { problem: problems.join('; ') } : {}), summary };
}
