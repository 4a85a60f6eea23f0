import { NODE_SIZES, SYSTEM_RESERVED, type NodeSizeName } from '../civo';
import { formatCpu, formatMemory } from '../quantity';

/*
 * Whether one pod fits on one node of the pool. Every node of the pool has the config's one size
 * (`nodePool.size`), so the cluster autoscaler adding nodes never helps a pod that asks for more
 * than one node can give: the scheduler leaves it Pending forever. Exported for every check that
 * places a pod (app processes, the cache, a database instance with its backup sidecar, drills).
 */

/** What one node of `size` gives pods: its capacity less the system reserve, in whole millicores and MiB. */
export function nodeAllocatable(size: NodeSizeName): { cpuMillis: number; memoryMiB: number } {
  const node = NODE_SIZES[size];
  return { cpuMillis: Math.floor(node.cpuMillis * (1 - SYSTEM_RESERVED)), memoryMiB: Math.floor(node.memoryMiB * (1 - SYSTEM_RESERVED)) };
}

/** A pod's requests: what it asks of a node in all (its containers' sum, sidecars included). */
export interface PodRequests {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

/**
 * Problems of a pod that cannot be scheduled on any node of the pool: `fields` name where each of
 * its requests is declared, `got` shows the declared value, `note` what else the pod adds (a sidecar).
 */
export function podFitProblems(
  pod: PodRequests,
  size: NodeSizeName,
  fields: { readonly cpu: string; readonly memory: string },
  got: { readonly cpu: string; readonly memory: string },
  note = '',
): string[] {
  const alloc = nodeAllocatable(size);
  const node = NODE_SIZES[size];
  const problems: string[] = [];
  const why = (has: string) => `what one ${size} node (config nodePool.size) gives pods: its ${has} less the ${SYSTEM_RESERVED * 100} % system reserve; a larger pod stays Pending`;
  if (pod.cpuMillis > alloc.cpuMillis) {
    problems.push(`${fields.cpu}: got ${JSON.stringify(got.cpu)}${note}, expected at most ${formatCpu(alloc.cpuMillis)} in all, ${why(formatCpu(node.cpuMillis))}`);
  }
  if (pod.memoryMiB > alloc.memoryMiB) {
    problems.push(`${fields.memory}: got ${JSON.stringify(got.memory)}${note}, expected at most ${formatMemory(alloc.memoryMiB)} in all, ${why(formatMemory(node.memoryMiB))}`);
  }
  return problems;
}
