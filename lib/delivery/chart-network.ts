import { groupOf, podSpecOf, type Manifest } from '../render';
import { displayName } from './manifests';

/*
 * Whether the NetworkPolicies of dist/ select the pods the charts really render as the chart files
 * declare: in a namespace that dist/ isolates (it has a `default-deny`), every pod must be selected
 * by exactly one `allow-*` policy, its component's. A pod no allow policy selects is cut off
 * (its labels changed under a chart bump); one that two select has another component's doors.
 * Run on real `helm template` output by `npm run check-charts` (lib/delivery/helm.ts).
 */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

/** Kubernetes label selector semantics: every matchLabels pair and every expression must hold; `{}` selects everything. */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  const pairs = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    pairs &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return has(key) && values.includes(labels[key]!);
        case 'NotIn':
          return !has(key) || !values.includes(labels[key]!);
        case 'Exists':
          return has(key);
        case 'DoesNotExist':
          return !has(key);
        default:
          throw new Error(`label selector: got the operator ${JSON.stringify(operator)}, expected In, NotIn, Exists or DoesNotExist`);
      }
    })
  );
}

/** A pod as the checks see it: where it comes from, its namespace and labels, and whether it is on the host network. */
export interface RenderedPod {
  readonly from: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly hostNetwork: boolean;
}

/**
 * The pods of a chart's rendered objects: each workload's template, and the collectors Grafana's
 * Alloy operator makes of each `Alloy` object with the Alloy chart it embeds, whose pods are labelled
 * `app.kubernetes.io/name: <nameOverride or alloy>` and `app.kubernetes.io/instance: <object name>`.
 */
export function renderedPods(objects: readonly Manifest[], namespace: string): RenderedPod[] {
  const pods: RenderedPod[] = [];
  for (const o of objects) {
    const spec = podSpecOf(o) as { hostNetwork?: boolean } | undefined;
    const ns = o.metadata.namespace ?? namespace;
    if (spec && o.kind !== 'Pod') {
      const template = o.kind === 'CronJob' ? (o.spec as any).jobTemplate.spec.template : (o.spec as any).template;
      pods.push({ from: displayName(o), namespace: ns, labels: template?.metadata?.labels ?? {}, hostNetwork: spec.hostNetwork === true });
    }
    if (o.kind === 'Alloy' && groupOf(o.apiVersion) === 'collectors.grafana.com') {
      const spec = (o.spec ?? {}) as { nameOverride?: string; controller?: { hostNetwork?: boolean; podLabels?: Record<string, string> } };
      const labels = { ...spec.controller?.podLabels, 'app.kubernetes.io/name': spec.nameOverride || 'alloy', 'app.kubernetes.io/instance': o.metadata.name };
      pods.push({ from: `${displayName(o)} (its pods, made by the Alloy operator)`, namespace: ns, labels, hostNetwork: spec.controller?.hostNetwork === true });
    }
  }
  return pods;
}

export interface NetworkCoverage {
  /** `Deployment cert-manager/cert-manager-webhook: selected by no allow policy ...`, one per misfit. */
  readonly problems: string[];
  /** Pods selected by exactly their own allow policy. */
  readonly covered: number;
  /** Pods on the host network, which NetworkPolicies do not apply to. */
  readonly hostNetwork: number;
  /** Pods in namespaces dist/ does not isolate (no `default-deny`), such as kube-system. */
  readonly outside: string[];
}

const isDefaultDeny = (p: Manifest) => p.metadata.name === 'default-deny';

/** Checks `pods` against the NetworkPolicies among `distObjects`. */
export function networkCoverage(pods: readonly RenderedPod[], distObjects: readonly Manifest[]): NetworkCoverage {
  const policies = distObjects.filter((o) => o.kind === 'NetworkPolicy' && groupOf(o.apiVersion) === 'networking.k8s.io');
  const problems: string[] = [];
  const outside: string[] = [];
  let covered = 0;
  let hostNetwork = 0;
  for (const pod of pods) {
    const here = policies.filter((p) => p.metadata.namespace === pod.namespace);
    if (!here.some(isDefaultDeny)) {
      outside.push(`${pod.from} (namespace ${pod.namespace})`);
      continue;
    }
    if (pod.hostNetwork) {
      hostNetwork++;
      continue;
    }
    const allows = here.filter((p) => !isDefaultDeny(p) && selects(((p.spec as any)?.podSelector ?? {}) as LabelSelector, pod.labels)).map((p) => p.metadata.name);
    const labels = JSON.stringify(pod.labels);
    if (allows.length === 1) covered++;
    else if (!allows.length) problems.push(`${pod.from}: selected by no allow policy of ${pod.namespace} (only default-deny cuts it off): its labels ${labels} match no component declared in the chart's file`);
    else problems.push(`${pod.from}: selected by ${allows.length} allow policies of ${pod.namespace} (${allows.join(', ')}): its labels ${labels} match several components`);
  }
  return { problems, covered, hostNetwork, outside };
}
