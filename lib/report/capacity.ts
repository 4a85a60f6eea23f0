import { parse } from 'yaml';
import { NODE_SIZES, SYSTEM_RESERVED, type NodeSize } from '../civo';
import type { ClusterConfig } from '../config';
import { memoryMiB } from '../quantity';
import { DRILL_CLUSTERS_LABEL } from '../platform-contracts';
import type { Manifest } from '../render';
import { helmChartComponents } from './chart-usage';
import { addUsage, podUsage, usageOf, zeroUsage, type ComponentUsage, type Usage } from './usage';

/*
 * What the platform and the apps ask of the node pool: requests and limits of every component,
 * from HelmChart values and from rendered workloads, against the pool's capacity and price.
 * Pure: manifests and the cluster config in, numbers out (CPU in millicores, memory in MiB).
 * What one container, pod or chart value asks for is in ./usage.ts and ./chart-usage.ts; rendering
 * is in ./markdown.ts.
 */

export interface NamespaceUsage {
  readonly namespace: string;
  readonly total: Usage;
}

export interface CapacityReport {
  readonly components: ComponentUsage[];
  /** Totals at the minimum pool (per-node components counted `minNodes` times). */
  readonly namespaces: NamespaceUsage[];
  readonly total: Usage;
  /** Requests if every HPA ran at its maximum (at the minimum pool). */
  readonly totalAtHpaMax: Usage;
  readonly pool: { size: string; minNodes: number; maxNodes: number; node: NodeSize; systemReserved: number };
  /** Smallest node count whose allocatable share fits all requests (per-node ones included). */
  readonly nodesNeeded: number;
  /** Allocatable at the minimum pool minus requests; negative when they do not fit. */
  readonly headroomAtMin: { cpu: number; memory: number };
  readonly monthlyUsd: { min: number; needed: number; max: number };
  readonly warnings: string[];
  /** CloudNativePG Clusters: their instances are counted in `components` too. */
  readonly databases: DatabaseUsage[];
}

export interface DatabaseUsage {
  readonly namespace: string;
  readonly name: string;
  readonly instances: number;
  /** Volume of each instance, in MiB. */
  readonly storageEach: number;
}


function workloadComponents(manifests: readonly any[]): ComponentUsage[] {
  const hpas = new Map<string, any>();
  for (const m of manifests) {
    if (m.kind !== 'HorizontalPodAutoscaler') continue;
    const ref = m.spec?.scaleTargetRef ?? {};
    hpas.set(`${m.metadata.namespace}/${ref.kind}/${ref.name}`, m.spec);
  }
  const out: ComponentUsage[] = [];
  for (const m of manifests) {
    // Jobs and cron jobs hold a pod only while they run: none counted, one (two if runs may overlap) at most.
    if (m.kind === 'Job' || m.kind === 'CronJob') {
      const namespace = m.metadata.namespace ?? 'default';
      const cron = m.kind === 'CronJob';
      const spec = cron ? m.spec?.jobTemplate?.spec : m.spec;
      const overlap = cron && m.spec?.concurrencyPolicy !== 'Forbid' ? 2 : 1;
      const note = cron ? `CronJob ${m.spec?.schedule}: a pod only while it runs` : 'one-off Job: a pod only while it runs, before a rollout';
      out.push({ namespace, name: `${m.kind} ${namespace}/${m.metadata.name}`, replicas: 0, maxReplicas: overlap, each: podUsage(spec?.template?.spec), note });
      continue;
    }
    if (m.kind !== 'Deployment' && m.kind !== 'StatefulSet' && m.kind !== 'DaemonSet') continue;
    const namespace = m.metadata.namespace ?? 'default';
    const name = `${m.kind} ${namespace}/${m.metadata.name}`;
    const each = podUsage(m.spec?.template?.spec);
    if (m.kind === 'DaemonSet') {
      out.push({ namespace, name, replicas: 'per node', each, note: 'DaemonSet' });
      continue;
    }
    const hpa = hpas.get(`${namespace}/${m.kind}/${m.metadata.name}`);
    if (hpa) {
      const min = hpa.minReplicas ?? 1;
      out.push({ namespace, name, replicas: min, maxReplicas: hpa.maxReplicas, each, note: `HPA ${min}–${hpa.maxReplicas}: counted at its minimum` });
    } else {
      out.push({ namespace, name, replicas: m.spec?.replicas ?? 1, each, note: m.spec?.replicas === undefined ? 'no replicas set: 1' : 'spec.replicas' });
    }
  }
  return out;
}

const isCnpgCluster = (m: any) => m.kind === 'Cluster' && String(m.apiVersion).startsWith('postgresql.cnpg.io/');

/**
 * CloudNativePG Clusters: `instances` pods of PostgreSQL, each with the Barman Cloud sidecar the
 * plugin injects (its resources are on the ObjectStore the Cluster's plugin names).
 */
function databaseComponents(manifests: readonly any[]): ComponentUsage[] {
  const stores = new Map(manifests.filter((m) => m.kind === 'ObjectStore').map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, m]));
  return manifests.filter(isCnpgCluster).map((m) => {
    const namespace = m.metadata.namespace ?? 'default';
    const each = usageOf(m.spec?.resources);
    const storeName = (m.spec?.plugins ?? []).find((p: any) => p.parameters?.barmanObjectName)?.parameters.barmanObjectName;
    const sidecar = stores.get(`${namespace}/${storeName}`)?.spec?.instanceSidecarConfiguration?.resources;
    if (sidecar) addUsage(each, usageOf(sidecar));
    return { namespace, name: `Cluster ${namespace}/${m.metadata.name}`, replicas: m.spec?.instances ?? 1, each, note: `CloudNativePG instances${sidecar ? ' (PostgreSQL + backup sidecar)' : ''}` };
  });
}

/**
 * The restore drills' throwaway Clusters, from the ConfigMap the runners create them from: they
 * take turns (one at a time, the namespace's quota), so the largest is the drills' peak, counted
 * like a cron job's pod (none at rest, one at most). Its Barman Cloud sidecar gets the namespace's
 * LimitRange defaults.
 */
function drillComponents(manifests: readonly any[]): ComponentUsage[] {
  const found = manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.[DRILL_CLUSTERS_LABEL] === 'true').flatMap((m) =>
    Object.values((m.data ?? {}) as Record<string, string>).map((text) => {
      const c = parse(text) as any;
      const namespace = c.metadata?.namespace ?? m.metadata.namespace;
      const range = manifests.find((r) => r.kind === 'LimitRange' && r.metadata.namespace === namespace)?.spec?.limits?.find((l: any) => l.type === 'Container');
      const each = addUsage(usageOf(c.spec?.resources), usageOf(range ? { requests: range.defaultRequest, limits: range.default } : undefined));
      return { namespace, name: `Cluster ${namespace}/${c.metadata?.name} (restore drill)`, replicas: 0, maxReplicas: 1, each, note: 'restore drill: one at a time, the largest counted (PostgreSQL + backup sidecar)' } as ComponentUsage;
    }),
  );
  const largest = found.sort((a, b) => b.each.memoryRequest - a.each.memoryRequest || b.each.cpuRequest - a.each.cpuRequest)[0];
  return largest ? [largest] : [];
}

/** Every component's requests and limits: HelmChart values first, then rendered workloads, databases and the restore drills' peak. */
export function components(manifests: readonly Manifest[]): ComponentUsage[] {
  return [...manifests.filter((m) => m.kind === 'HelmChart').flatMap(helmChartComponents), ...workloadComponents(manifests), ...databaseComponents(manifests), ...drillComponents(manifests)];
}

export function databases(manifests: readonly Manifest[]): DatabaseUsage[] {
  return manifests.filter(isCnpgCluster).map((m: any) => ({
    namespace: m.metadata.namespace ?? 'default',
    name: m.metadata.name,
    instances: m.spec?.instances ?? 1,
    storageEach: m.spec?.storage?.size ? memoryMiB(String(m.spec.storage.size)) : 0,
  }));
}

/** Replicas of a component on a pool of `nodes` nodes. */
export const replicasOn = (c: ComponentUsage, nodes: number): number => (c.replicas === 'per node' ? nodes : c.replicas);

/**
 * Nodes needed so that requests fit each node's allocatable share: the per-node components take
 * their share of every node, the rest must fit in what is left. Infinity if per-node alone overflow.
 */
export function nodesNeededFor(list: readonly ComponentUsage[], node: NodeSize, reserved = SYSTEM_RESERVED): number {
  const allocCpu = node.cpuMillis * (1 - reserved);
  const allocMem = node.memoryMiB * (1 - reserved);
  const fixed = zeroUsage();
  const perNode = zeroUsage();
  for (const c of list) {
    if (c.replicas === 'per node') addUsage(perNode, c.each);
    else addUsage(fixed, c.each, c.replicas);
  }
  const need = (fixedAmount: number, perNodeAmount: number, alloc: number) =>
    perNodeAmount >= alloc ? Infinity : Math.ceil(fixedAmount / (alloc - perNodeAmount));
  return Math.max(1, need(fixed.cpuRequest, perNode.cpuRequest, allocCpu), need(fixed.memoryRequest, perNode.memoryRequest, allocMem));
}

export function capacityReport(manifests: readonly Manifest[], cluster: ClusterConfig): CapacityReport {
  const node: NodeSize = NODE_SIZES[cluster.nodePool.size];
  const { minNodes, maxNodes } = cluster.nodePool;
  const list = components(manifests);

  const total = zeroUsage();
  const totalAtHpaMax = zeroUsage();
  const byNamespace = new Map<string, Usage>();
  for (const c of list) {
    const n = replicasOn(c, minNodes);
    addUsage(total, c.each, n);
    addUsage(totalAtHpaMax, c.each, c.maxReplicas ?? n);
    if (!byNamespace.has(c.namespace)) byNamespace.set(c.namespace, zeroUsage());
    addUsage(byNamespace.get(c.namespace)!, c.each, n);
  }

  const nodesNeeded = nodesNeededFor(list, node);
  const allocatable = (nodes: number) => ({ cpu: node.cpuMillis * (1 - SYSTEM_RESERVED) * nodes, memory: node.memoryMiB * (1 - SYSTEM_RESERVED) * nodes });
  const atMin = allocatable(minNodes);
  const headroomAtMin = { cpu: atMin.cpu - total.cpuRequest, memory: atMin.memory - total.memoryRequest };

  const warnings: string[] = [];
  if (headroomAtMin.cpu < 0 || headroomAtMin.memory < 0) {
    const over = [headroomAtMin.cpu < 0 ? 'CPU' : '', headroomAtMin.memory < 0 ? 'memory' : ''].filter(Boolean).join(' and ');
    warnings.push(
      `${over} requests exceed what the minimum pool (${minNodes} × ${cluster.nodePool.size}) can schedule: the autoscaler must add nodes, ${Number.isFinite(nodesNeeded) ? nodesNeeded : 'no number of'} needed. Raise nodePool.minNodes or lower requests.`,
    );
  }
  if (nodesNeeded > maxNodes) {
    warnings.push(
      Number.isFinite(nodesNeeded)
        ? `Requests need ${nodesNeeded} nodes but nodePool.maxNodes is ${maxNodes}: some pods will stay Pending.`
        : `Per-node components alone request more than a ${cluster.nodePool.size} node's allocatable share: choose a larger node size.`,
    );
  }

  return {
    components: list,
    namespaces: [...byNamespace].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, t]) => ({ namespace, total: t })),
    total,
    totalAtHpaMax,
    pool: { size: cluster.nodePool.size, minNodes, maxNodes, node, systemReserved: SYSTEM_RESERVED },
    nodesNeeded,
    headroomAtMin,
    monthlyUsd: {
      min: round2(minNodes * node.monthlyUsd),
      // What the requests need, within what the pool may grow to.
      needed: round2(Math.min(nodesNeeded, maxNodes) * node.monthlyUsd),
      max: round2(maxNodes * node.monthlyUsd),
    },
    warnings,
    databases: databases(manifests),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
