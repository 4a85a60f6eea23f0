import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { DEFAULT_RESOURCES } from '../spec/fields';
import { cpuMilliValue, formatCpu, formatMemory, memoryBytes } from '../quantity';
import type { AppSpec, ProcessSpec } from '../spec/types';
import type { ExtraUsage } from './backups';
import { CACHE_CPU } from './cache';

/*
 * The namespace's quota, sized from the app's own declaration: each component at its maximum
 * replicas plus one rollout surge, a pod for each one-off job and cron job (two for a cron job
 * that may overlap), the cache, and what the database and backups add (`extra`).
 */

const MIB = 1n << 20n;

/** Pods a process may hold at once. */
function podsOf(p: ProcessSpec & { kind: string; replicas?: number; autoscaling?: { maxReplicas: number }; concurrency?: string }): number {
  if (p.kind === 'job') return 1;
  if (p.kind === 'cron') return p.concurrency === 'Forbid' ? 1 : 2;
  return (p.autoscaling?.maxReplicas ?? p.replicas ?? 1) + 1;
}

export class AppLimits extends Construct {
  constructor(scope: Construct, id: string, props: { namespace: string; app: AppSpec; extra: ExtraUsage }) {
    super(scope, id);
    // Summed exactly (BigInt: millicores and MiB), so that no sum is ever rounded or written as 1e+22Gi.
    const x = props.extra;
    const big = (n: number) => BigInt(Math.round(n));
    const mib = (q: string) => memoryBytes(q) / MIB;
    let [cpuReq, memReq, cpuLim, memLim, storage] = [big(x.cpuRequest), big(x.memoryRequest), big(x.cpuLimit), big(x.memoryLimit), big(x.storage)];
    let pods = x.pods, pvcs = x.pvcs;
    for (const p of [...props.app.components, ...props.app.jobs, ...props.app.cronJobs]) {
      const n = BigInt(podsOf(p));
      cpuReq += cpuMilliValue(p.resources.requests.cpu) * n;
      memReq += mib(p.resources.requests.memory) * n;
      cpuLim += cpuMilliValue(p.resources.limits.cpu) * n;
      memLim += mib(p.resources.limits.memory) * n;
      pods += podsOf(p);
      for (const v of p.volumes) storage += mib(v.size);
      pvcs += p.volumes.length;
    }
    const cache = props.app.cache;
    if (cache) {
      cpuReq += cpuMilliValue(CACHE_CPU.request);
      cpuLim += cpuMilliValue(CACHE_CPU.limit);
      memReq += mib(cache.memory);
      memLim += mib(cache.memory);
      pods += 1;
      if (cache.persistence) {
        pvcs += 1;
        storage += mib(cache.persistence.size);
      }
    }
    const q = (s: string) => kplus.k8s.Quantity.fromString(s);
    new kplus.k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'app-quota', namespace: props.namespace },
      spec: {
        hard: {
          'requests.cpu': q(formatCpu(cpuReq)),
          'requests.memory': q(formatMemory(memReq)),
          'limits.cpu': q(formatCpu(cpuLim)),
          'limits.memory': q(formatMemory(memLim)),
          pods: kplus.k8s.Quantity.fromNumber(pods),
          persistentvolumeclaims: kplus.k8s.Quantity.fromNumber(pvcs),
          'requests.storage': q(formatMemory(storage)),
          'services.loadbalancers': kplus.k8s.Quantity.fromNumber(0),
          'services.nodeports': kplus.k8s.Quantity.fromNumber(0),
        },
      },
    });
    // Anything started by hand in the namespace (a debug pod) is bounded too.
    new kplus.k8s.KubeLimitRange(this, 'limit-range', {
      metadata: { name: 'app-defaults', namespace: props.namespace },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: q(DEFAULT_RESOURCES.requests.cpu), memory: q(DEFAULT_RESOURCES.requests.memory) },
            default: { cpu: q(DEFAULT_RESOURCES.limits.cpu), memory: q(DEFAULT_RESOURCES.limits.memory) },
          },
        ],
      },
    });
  }
}
