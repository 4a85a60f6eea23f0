import { cpuMillis, memoryMiB } from '../quantity';

/*
 * Requests and limits as the scheduler counts them: a container's, a pod's, and a component's
 * (a workload or a chart's values entry, with its replicas). CPU in millicores, memory in MiB.
 */

export interface Usage {
  cpuRequest: number;
  memoryRequest: number;
  cpuLimit: number;
  memoryLimit: number;
}

export interface ComponentUsage {
  readonly namespace: string;
  /** e.g. `HelmChart traefik: resources` or `Deployment shop/shop-api`. */
  readonly name: string;
  /** Replicas counted; `per node` components count once per node of the pool size in question. */
  readonly replicas: number | 'per node';
  /** At most, where an HPA can scale the workload (counted at `replicas`, its minimum). */
  readonly maxReplicas?: number;
  /** Per replica (per pod). */
  readonly each: Usage;
  /** Where the replica count comes from, i.e. what was assumed. */
  readonly note: string;
}

export const zeroUsage = (): Usage => ({ cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0 });

export function addUsage(into: Usage, u: Usage, times = 1): Usage {
  into.cpuRequest += u.cpuRequest * times;
  into.memoryRequest += u.memoryRequest * times;
  into.cpuLimit += u.cpuLimit * times;
  into.memoryLimit += u.memoryLimit * times;
  return into;
}

export const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

export function usageOf(resources: unknown): Usage {
  const r = isObject(resources) ? resources : {};
  const get = (group: 'requests' | 'limits', key: 'cpu' | 'memory', parse: (q: string) => number) =>
    r[group]?.[key] === undefined || r[group]?.[key] === null ? 0 : parse(String(r[group][key]));
  // As the scheduler does: a limit without a request means a request of the same amount.
  const cpuLimit = get('limits', 'cpu', cpuMillis);
  const memoryLimit = get('limits', 'memory', memoryMiB);
  return {
    cpuRequest: r.requests?.cpu === undefined ? cpuLimit : get('requests', 'cpu', cpuMillis),
    memoryRequest: r.requests?.memory === undefined ? memoryLimit : get('requests', 'memory', memoryMiB),
    cpuLimit,
    memoryLimit,
  };
}

/** A pod's effective usage: its containers' sum, or its largest init container if that is larger. */
export function podUsage(podSpec: any): Usage {
  const sum = zeroUsage();
  for (const c of podSpec?.containers ?? []) addUsage(sum, usageOf(c.resources));
  for (const c of podSpec?.initContainers ?? []) {
    const u = usageOf(c.resources);
    // Native sidecars (restartPolicy: Always) keep running next to the app containers.
    if (c.restartPolicy === 'Always') {
      addUsage(sum, u);
      continue;
    }
    sum.cpuRequest = Math.max(sum.cpuRequest, u.cpuRequest);
    sum.memoryRequest = Math.max(sum.memoryRequest, u.memoryRequest);
    sum.cpuLimit = Math.max(sum.cpuLimit, u.cpuLimit);
    sum.memoryLimit = Math.max(sum.memoryLimit, u.memoryLimit);
  }
  return sum;
}
