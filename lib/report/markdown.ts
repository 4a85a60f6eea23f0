import type { CapacityReport } from './capacity';
import type { ComponentUsage, Usage } from './usage';

/*
 * The capacity report as Markdown, for the terminal and for the PR comment (next to the rendered
 * diff). Quantities: CPU in millicores below one core, memory in MiB below one GiB.
 */

export const formatCpuAmount = (m: number): string =>
  !Number.isFinite(m) ? '∞' : m === 0 ? '—' : Math.abs(m) >= 1000 ? `${(m / 1000).toFixed(2)} CPU` : `${Math.round(m)}m`;
export const formatMemoryAmount = (mib: number): string =>
  !Number.isFinite(mib) ? '∞' : mib === 0 ? '—' : Math.abs(mib) >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`;
export const formatUsd = (n: number): string => `$${n.toFixed(2)}`;

const cpu = formatCpuAmount;
const mem = formatMemoryAmount;
const usd = formatUsd;
const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
const usageCells = (u: Usage) => [cpu(u.cpuRequest), mem(u.memoryRequest), cpu(u.cpuLimit), mem(u.memoryLimit)];
const replicasCell = (c: ComponentUsage) => `${c.replicas}${c.maxReplicas !== undefined ? ` (max ${c.maxReplicas})` : ''}`;

export function renderCapacityMarkdown(r: CapacityReport): string {
  const { node, minNodes, maxNodes, size, systemReserved } = r.pool;
  const share = 1 - systemReserved;
  const nodes = (n: number) => `${n} node${n === 1 ? '' : 's'}`;
  const needed = Number.isFinite(r.nodesNeeded) ? nodes(r.nodesNeeded) : 'more than any number of nodes of this size';
  const hasHpa = r.components.some((c) => c.maxReplicas !== undefined);
  const lines = [
    '## Capacity report',
    '',
    `Node pool: ${minNodes}–${maxNodes} × \`${size}\` (${cpu(node.cpuMillis)}, ${mem(node.memoryMiB)}, ${usd(node.monthlyUsd)}/month each; ${Math.round(systemReserved * 100)}% of each node assumed taken by k3s, the kubelet and kube-system).`,
    '',
    ...r.warnings.map((w) => `> **Warning:** ${w}`),
    ...(r.warnings.length ? [''] : []),
    row(['', 'CPU requests', 'memory requests', 'CPU limits', 'memory limits']),
    row(['---', '---:', '---:', '---:', '---:']),
    row(['**total**', `**${cpu(r.total.cpuRequest)}**`, `**${mem(r.total.memoryRequest)}**`, cpu(r.total.cpuLimit), mem(r.total.memoryLimit)]),
    ...(hasHpa ? [row(['total with every HPA at its maximum', ...usageCells(r.totalAtHpaMax)])] : []),
    row([`allocatable at the minimum (${nodes(minNodes)})`, cpu(node.cpuMillis * minNodes * share), mem(node.memoryMiB * minNodes * share), '', '']),
    row(['headroom at the minimum', cpu(r.headroomAtMin.cpu), mem(r.headroomAtMin.memory), '', '']),
    row([`allocatable at the maximum (${nodes(maxNodes)})`, cpu(node.cpuMillis * maxNodes * share), mem(node.memoryMiB * maxNodes * share), '', '']),
    '',
    `The requests need **${needed}**. Estimated cost: ${usd(r.monthlyUsd.min)}/month at the minimum pool, ${usd(r.monthlyUsd.needed)} at the nodes needed${r.nodesNeeded > maxNodes ? ` (capped at the maximum)` : ''}, ${usd(r.monthlyUsd.max)} at the maximum.${
      r.nodesNeeded < minNodes ? ` The pool never goes below ${nodes(minNodes)}, so the minimum is what it costs.` : ''
    }`,
    '',
    ...databaseLines(r),
    '### Per namespace',
    '',
    `Per-node (DaemonSet) components counted once per node of the minimum pool (${nodes(minNodes)}).`,
    '',
    row(['namespace', 'CPU requests', 'memory requests', 'CPU limits', 'memory limits']),
    row(['---', '---:', '---:', '---:', '---:']),
    ...r.namespaces.map(({ namespace, total }) => row([namespace, ...usageCells(total)])),
    '',
    '<details><summary>Per component (per replica)</summary>',
    '',
    row(['namespace', 'component', 'replicas (assumed)', 'CPU req', 'mem req', 'CPU lim', 'mem lim', 'basis']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---']),
    ...r.components.map((c) => row([c.namespace, c.name, replicasCell(c), ...usageCells(c.each), c.note])),
    '',
    'Assumptions: a HelmChart component runs one replica unless its values set `replicaCount`/`replicas` or make it a DaemonSet; ' +
      'chart defaults that are DaemonSets (k8s-monitoring `alloy-logs`, node-exporter) count once per node; Helm hook Jobs are not counted; ' +
      'a limit without a request counts as that request (as Kubernetes defaults it); workloads with an HPA count at its minimum; ' +
      'containers whose values set no `resources` (chart defaults, subcharts such as kube-state-metrics) are not counted.',
    '',
    '</details>',
    '',
  ];
  return lines.join('\n');
}

/** One table of what a change does to the totals, for the PR comment next to the rendered diff. */
export function renderCapacityChange(before: CapacityReport, after: CapacityReport): string {
  const delta = (a: number, b: number, f: (n: number) => string) => (a === b ? f(b) : `${f(a)} → **${f(b)}**`);
  const signed = (a: number, b: number, f: (n: number) => string) => (a === b ? '' : `${b > a ? '+' : '−'}${f(Math.abs(b - a))}`);
  const line = (label: string, a: number, b: number, f: (n: number) => string) => row([label, f(a), delta(a, b, f), signed(a, b, f)]);
  return [
    '### Capacity change',
    '',
    row(['', 'base', 'this change', 'difference']),
    row(['---', '---:', '---:', '---:']),
    line('CPU requests', before.total.cpuRequest, after.total.cpuRequest, cpu),
    line('memory requests', before.total.memoryRequest, after.total.memoryRequest, mem),
    line('CPU limits', before.total.cpuLimit, after.total.cpuLimit, cpu),
    line('memory limits', before.total.memoryLimit, after.total.memoryLimit, mem),
    line('nodes needed', before.nodesNeeded, after.nodesNeeded, String),
    line('monthly cost (nodes needed)', before.monthlyUsd.needed, after.monthlyUsd.needed, usd),
    '',
  ].join('\n');
}

function databaseLines(r: CapacityReport): string[] {
  if (!r.databases.length) return ['Databases: none.', ''];
  const instances = r.databases.reduce((n, d) => n + d.instances, 0);
  const storage = r.databases.reduce((n, d) => n + d.instances * d.storageEach, 0);
  return [
    `Databases: **${r.databases.length}** (CloudNativePG), ${instances} instance${instances === 1 ? '' : 's'}, ${mem(storage)} of volumes; their pods are counted above.`,
    '',
    row(['database', 'instances', 'volume each']),
    row(['---', '---:', '---:']),
    ...r.databases.map((d) => row([`${d.namespace}/${d.name}`, d.instances, mem(d.storageEach)])),
    '',
  ];
}
