import { parse } from 'yaml';
import { isObject, usageOf, type ComponentUsage } from './usage';

/*
 * What a HelmChart's values ask for: every `resources` object in them, with the replicas the values
 * (or the chart's own defaults, for the charts listed below) give its workload.
 */

/**
 * Chart values paths whose workload is a DaemonSet by the chart's own default (values need not
 * say so): one replica per node. Values that say so themselves (`deployment.kind: DaemonSet`,
 * `controller.type: daemonset`, `kind: DaemonSet` on the way to the `resources`) are found too.
 */
const PER_NODE_DEFAULTS: Record<string, RegExp> = {
  // grafana/k8s-monitoring: alloy-logs tails every node's pod logs; node-exporter runs everywhere.
  'k8s-monitoring': /(^|\.)(alloy-logs|node-exporter|prometheus-node-exporter|windows-exporter)\./,
  'prometheus-node-exporter': /^resources$/,
};

/** Chart values paths of Helm hook Jobs: they run at install or upgrade and then hold nothing. */
const HOOK_JOBS: Record<string, RegExp> = {
  'cert-manager': /^startupapicheck\./,
};

/** A Kubernetes ResourceRequirements object (only `requests`, `limits`, `claims`), else undefined. */
function isResourceRequirements(v: unknown): v is { requests?: Record<string, unknown>; limits?: Record<string, unknown> } {
  return isObject(v) && Object.keys(v).every((k) => k === 'requests' || k === 'limits' || k === 'claims') && (isObject(v.requests) || isObject(v.limits));
}

interface FoundResources {
  /** Dotted values path, e.g. `alloy-logs.alloy.resources`. */
  readonly path: string;
  readonly resources: unknown;
  /** The objects from the values root down to the one holding `resources`. */
  readonly ancestors: Record<string, any>[];
}

/** Every `resources` object in a values tree, with its dotted path; skips `enabled: false` subtrees. */
export function findResources(values: unknown, path: string[] = [], ancestors: Record<string, any>[] = []): FoundResources[] {
  if (!isObject(values) || values.enabled === false) return [];
  const chain = [...ancestors, values];
  return Object.entries(values).flatMap(([key, child]) =>
    key === 'resources' && isResourceRequirements(child)
      ? [{ path: [...path, key].join('.'), resources: child, ancestors: chain }]
      : findResources(child, [...path, key], chain),
  );
}

/**
 * Whether the values next to a `resources` object make its workload a DaemonSet: on the object
 * holding it (`deployment.kind: DaemonSet` in Traefik, `kind: DaemonSet`) or, for charts that nest
 * the container under the workload (alloy: `alloy-logs.alloy.resources`), on its parent
 * (`alloy-logs.controller.type: daemonset`). Not higher up: a chart's top-level kind says nothing
 * about its webhook's.
 */
function daemonSetByValues(ancestors: readonly Record<string, any>[]): boolean {
  const [own, parent] = [ancestors.at(-1) ?? {}, ancestors.at(-2) ?? {}];
  const isDaemonSet = (kind: unknown) => String(kind ?? '').toLowerCase() === 'daemonset';
  return isDaemonSet(own.kind) || isDaemonSet(own.deployment?.kind) || isDaemonSet(own.controller?.type) || isDaemonSet(parent.controller?.type);
}

/** `replicaCount` / `replicas` next to the `resources`, or the parent's `controller.replicas` (alloy). */
function replicasByValues(ancestors: readonly Record<string, any>[]): number | undefined {
  const [own, parent] = [ancestors.at(-1) ?? {}, ancestors.at(-2) ?? {}];
  for (const candidate of [own.replicaCount, own.replicas, own.deployment?.replicas, own.controller?.replicas, parent.controller?.replicas]) {
    if (typeof candidate === 'number') return candidate;
  }
  return undefined;
}

export function helmChartComponents(m: any): ComponentUsage[] {
  const chart = String(m.spec?.chart ?? m.metadata.name);
  const namespace = m.spec?.targetNamespace ?? m.metadata.namespace ?? 'default';
  const values = parse(m.spec?.valuesContent ?? '') ?? {};
  return findResources(values).map(({ path, resources, ancestors }): ComponentUsage => {
    const name = `HelmChart ${m.metadata.name}: ${path}`;
    const each = usageOf(resources);
    if (HOOK_JOBS[chart]?.test(path)) return { namespace, name, replicas: 0, each, note: 'Helm hook Job: runs at install/upgrade, not counted' };
    if (daemonSetByValues(ancestors)) return { namespace, name, replicas: 'per node', each, note: 'DaemonSet (values)' };
    if (PER_NODE_DEFAULTS[chart]?.test(path)) return { namespace, name, replicas: 'per node', each, note: 'DaemonSet (chart default)' };
    const replicas = replicasByValues(ancestors);
    return replicas === undefined
      ? { namespace, name, replicas: 1, each, note: 'assumed 1 (chart default)' }
      : { namespace, name, replicas, each, note: 'replicas from values' };
  });
}
