import { parse } from 'yaml';
import { NODE_SIZES } from '../civo';
import type { ClusterConfig } from '../config';
import { cpuMillis, memoryMiB } from '../quantity';
import type { Manifest } from '../render';

/*
 * What the platform and the apps ask of the node pool: requests and limits of every component,
 * from HelmChart values and from rendered workloads, against the pool's capacity and price.
 */

/** Share of each node kept for k3s, the kubelet and the OS (Civo does not publish allocatable). */
export const SYSTEM_RESERVED = 0.1;

/** Chart values paths whose workload is a DaemonSet: one replica per node. */
const PER_NODE: Record<string, (values: any, path: string) => boolean> = {
  traefik: (values, path) => path === 'resources' && values?.deployment?.kind === 'DaemonSet',
  'k8s-monitoring': (_, path) => path === 'alloy-logs.alloy.resources',
};

export interface Usage {
  cpuRequest: number;
  memoryRequest: number;
  cpuLimit: number;
  memoryLimit: number;
}

export interface ComponentUsage {
  readonly namespace: string;
  /** e.g. `HelmChart traefik: resources` or `Deployment shop-api`. */
  readonly name: string;
  /** Replicas counted; `per node` components count once per node of the minimum pool. */
  readonly replicas: number | 'per node';
  /** Per replica. */
  readonly each: Usage;
  readonly note?: string;
}

export interface CapacityReport {
  readonly components: ComponentUsage[];
  readonly namespaces: { namespace: string; total: Usage }[];
  readonly total: Usage;
  readonly pool: { size: string; minNodes: number; maxNodes: number; nodeCpu: number; nodeMemory: number; monthlyUsd: number };
  readonly nodesNeeded: number;
  readonly headroomAtMin: { cpu: number; memory: number };
  readonly monthlyUsd: { min: number; needed: number; max: number };
  readonly warnings: string[];
}

const zero = (): Usage => ({ cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0 });

function usageOf(resources: any): Usage {
  const get = (group: string, key: string, parse: (q: string) => number) => (resources?.[group]?.[key] === undefined ? 0 : parse(String(resources[group][key])));
  return {
    cpuRequest: get('requests', 'cpu', cpuMillis),
    memoryRequest: get('requests', 'memory', memoryMiB),
    cpuLimit: get('limits', 'cpu', cpuMillis),
    memoryLimit: get('limits', 'memory', memoryMiB),
  };
}

function add(into: Usage, u: Usage, times: number): void {
  into.cpuRequest += u.cpuRequest * times;
  into.memoryRequest += u.memoryRequest * times;
  into.cpuLimit += u.cpuLimit * times;
  into.memoryLimit += u.memoryLimit * times;
}

/** Every `resources` object in a values tree, with its dotted path. */
function findResources(values: unknown, path: string[] = []): { path: string; resources: unknown }[] {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return [];
  return Object.entries(values).flatMap(([key, child]) =>
    key === 'resources' ? [{ path: [...path, key].join('.'), resources: child }] : findResources(child, [...path, key]),
  );
}

function components(manifests: readonly Manifest[]): ComponentUsage[] {
  const out: ComponentUsage[] = [];
  const hpas = new Map(
    manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m: any) => [`${m.metadata.namespace}/${m.spec.scaleTargetRef.name}`, m.spec]),
  );
  for (const m of manifests as any[]) {
    if (m.kind === 'HelmChart') {
      const values = parse(m.spec.valuesContent ?? '') ?? {};
      for (const { path, resources } of findResources(values)) {
        const perNode = PER_NODE[m.spec.chart]?.(values, path) ?? false;
        out.push({ namespace: m.spec.targetNamespace, name: `HelmChart ${m.metadata.name}: ${path}`, replicas: perNode ? 'per node' : 1, each: usageOf(resources), note: perNode ? 'DaemonSet' : 'assumed 1 replica' });
      }
    } else if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
      const each = zero();
      for (const c of m.spec.template.spec.containers) add(each, usageOf(c.resources), 1);
      const hpa = hpas.get(`${m.metadata.namespace}/${m.metadata.name}`);
      out.push({
        namespace: m.metadata.namespace,
        name: `${m.kind} ${m.metadata.name}`,
        replicas: hpa ? hpa.minReplicas : (m.spec.replicas ?? 1),
        each,
        note: hpa ? `HPA ${hpa.minReplicas}-${hpa.maxReplicas}, counted at minimum` : undefined,
      });
    }
  }
  return out;
}

export function capacityReport(manifests: readonly Manifest[], cluster: ClusterConfig): CapacityReport {
  const size = NODE_SIZES[cluster.nodePool.size];
  const { minNodes, maxNodes } = cluster.nodePool;
  const list = components(manifests);
  const count = (c: ComponentUsage, nodes: number) => (c.replicas === 'per node' ? nodes : c.replicas);

  const total = zero();
  const byNamespace = new Map<string, Usage>();
  for (const c of list) {
    add(total, c.each, count(c, minNodes));
    if (!byNamespace.has(c.namespace)) byNamespace.set(c.namespace, zero());
    add(byNamespace.get(c.namespace)!, c.each, count(c, minNodes));
  }

  // Nodes needed: fixed requests plus per-node ones must fit n nodes' allocatable share.
  const allocCpu = size.cpuMillis * (1 - SYSTEM_RESERVED);
  const allocMem = size.memoryMiB * (1 - SYSTEM_RESERVED);
  const fixed = zero();
  const perNode = zero();
  for (const c of list) add(c.replicas === 'per node' ? perNode : fixed, c.each, c.replicas === 'per node' ? 1 : c.replicas);
  const need = (fixedAmount: number, perNodeAmount: number, alloc: number) => (perNodeAmount >= alloc ? Infinity : Math.ceil(fixedAmount / (alloc - perNodeAmount)));
  const nodesNeeded = Math.max(1, need(fixed.cpuRequest, perNode.cpuRequest, allocCpu), need(fixed.memoryRequest, perNode.memoryRequest, allocMem));

  const headroomAtMin = { cpu: allocCpu * minNodes - total.cpuRequest, memory: allocMem * minNodes - total.memoryRequest };
  const warnings: string[] = [];
  if (headroomAtMin.cpu < 0 || headroomAtMin.memory < 0) {
    warnings.push(
      `Requests exceed what the minimum pool (${minNodes} × ${cluster.nodePool.size}) can schedule: the autoscaler must add nodes, ${nodesNeeded} needed. Raise nodePool.minNodes or lower requests.`,
    );
  }
  if (nodesNeeded > maxNodes) warnings.push(`Requests need ${nodesNeeded} nodes but nodePool.maxNodes is ${maxNodes}: some pods will stay Pending.`);

  return {
    components: list,
    namespaces: [...byNamespace].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, t]) => ({ namespace, total: t })),
    total,
    pool: { size: cluster.nodePool.size, minNodes, maxNodes, nodeCpu: size.cpuMillis, nodeMemory: size.memoryMiB, monthlyUsd: size.monthlyUsd },
    nodesNeeded,
    headroomAtMin,
    monthlyUsd: { min: minNodes * size.monthlyUsd, needed: Math.min(nodesNeeded, maxNodes) * size.monthlyUsd, max: maxNodes * size.monthlyUsd },
    warnings,
  };
}

const cpu = (m: number) => (m === 0 ? '—' : Math.abs(m) >= 1000 ? `${(m / 1000).toFixed(2)} CPU` : `${Math.round(m)}m`);
const mem = (mib: number) => (Math.abs(mib) >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`);
const usd = (n: number) => `$${n.toFixed(2)}`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function renderCapacityMarkdown(r: CapacityReport): string {
  const lines = [
    '## Capacity report',
    '',
    `Node pool: ${r.pool.minNodes}–${r.pool.maxNodes} × \`${r.pool.size}\` (${cpu(r.pool.nodeCpu)}, ${mem(r.pool.nodeMemory)}, ${usd(r.pool.monthlyUsd)}/month each; ${SYSTEM_RESERVED * 100}% of each node kept for the system).`,
    '',
    ...r.warnings.map((w) => `> **Warning:** ${w}`),
    ...(r.warnings.length ? [''] : []),
    row(['', 'CPU requests', 'memory requests', 'CPU limits', 'memory limits']),
    row(['---', '---:', '---:', '---:', '---:']),
    row(['**total**', `**${cpu(r.total.cpuRequest)}**`, `**${mem(r.total.memoryRequest)}**`, cpu(r.total.cpuLimit), mem(r.total.memoryLimit)]),
    row([`allocatable at ${r.pool.minNodes} node(s)`, cpu(r.pool.nodeCpu * r.pool.minNodes * (1 - SYSTEM_RESERVED)), mem(r.pool.nodeMemory * r.pool.minNodes * (1 - SYSTEM_RESERVED)), '', '']),
    row(['headroom at minimum', cpu(r.headroomAtMin.cpu), mem(r.headroomAtMin.memory), '', '']),
    '',
    `Nodes the requests need: **${r.nodesNeeded}**. Estimated cost: ${usd(r.monthlyUsd.min)}/month at the minimum pool, ${usd(r.monthlyUsd.needed)} at the nodes needed, ${usd(r.monthlyUsd.max)} at the maximum.`,
    '',
    '### Per namespace',
    '',
    row(['namespace', 'CPU requests', 'memory requests', 'CPU limits', 'memory limits']),
    row(['---', '---:', '---:', '---:', '---:']),
    ...r.namespaces.map(({ namespace, total: t }) => row([namespace, cpu(t.cpuRequest), mem(t.memoryRequest), cpu(t.cpuLimit), mem(t.memoryLimit)])),
    '',
    '<details><summary>Per component (per replica)</summary>',
    '',
    row(['namespace', 'component', 'replicas', 'CPU req', 'mem req', 'CPU lim', 'mem lim', 'note']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---']),
    ...r.components.map((c) => row([c.namespace, c.name, c.replicas, cpu(c.each.cpuRequest), mem(c.each.memoryRequest), cpu(c.each.cpuLimit), mem(c.each.memoryLimit), c.note ?? ''])),
    '',
    '</details>',
    '',
  ];
  return lines.join('\n');
}

/** One table of what a change does to the totals, for the PR comment next to the rendered diff. */
export function renderCapacityChange(before: CapacityReport, after: CapacityReport): string {
  const delta = (a: number, b: number, f: (n: number) => string) => (a === b ? f(b) : `${f(a)} → **${f(b)}**`);
  return [
    '### Capacity change',
    '',
    row(['', 'base', 'this change']),
    row(['---', '---:', '---:']),
    row(['CPU requests', cpu(before.total.cpuRequest), delta(before.total.cpuRequest, after.total.cpuRequest, cpu)]),
    row(['memory requests', mem(before.total.memoryRequest), delta(before.total.memoryRequest, after.total.memoryRequest, mem)]),
    row(['nodes needed', before.nodesNeeded, delta(before.nodesNeeded, after.nodesNeeded, String)]),
    row(['monthly cost (nodes needed)', usd(before.monthlyUsd.needed), delta(before.monthlyUsd.needed, after.monthlyUsd.needed, usd)]),
    '',
  ].join('\n');
}
