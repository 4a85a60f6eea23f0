import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_RESOURCES } from '../spec/fields';
import { cpuMillis, formatCpu, formatMemory, memoryMiB } from '../quantity';
import type { AppSpec, ProcessSpec } from '../spec/types';
import type { ExtraUsage } from './backups';
import { CACHE_CPU } from './cache';

/*
 * The namespace's quota, sized from the app's own declaration: each component at its maximum
 * replicas plus one rollout surge, a pod for each one-off job and cron job (two for a cron job
 * that may overlap), the cache, and what the database and backups add (`extra`).
 */

/** Pods a process may hold at once. */
function podsOf(p: ProcessSpec & { kind: string; replicas?: number; autoscaling?: { maxReplicas: number }; concurrency?: string }): number {
  if (p.kind === 'job') return 1;
  if (p.kind === 'cron') return p.concurrency === 'Forbid' ? 1 : 2;
  return (p.autoscaling?.maxReplicas ?? p.replicas ?? 1) + 1;
}

export class AppLimits extends Construct {
  constructor(scope: Construct, id: string, props: { namespace: string; app: AppSpec; extra: ExtraUsage }) {
    super(scope, id);
    const x = props.extra;
    let cpuReq = x.cpuRequest, memReq = x.memoryRequest, cpuLim = x.cpuLimit, memLim = x.memoryLimit, pods = x.pods, storage = x.storage, pvcs = x.pvcs;
    for (const p of [...props.app.components, ...props.app.jobs, ...props.app.cronJobs]) {
      const n = podsOf(p);
      cpuReq += cpuMillis(p.resources.requests.cpu) * n;
      memReq += memoryMiB(p.resources.requests.memory) * n;
      cpuLim += cpuMillis(p.resources.limits.cpu) * n;
      memLim += memoryMiB(p.resources.limits.memory) * n;
      pods += n;
      for (const v of p.volumes) storage += memoryMiB(v.size);
      pvcs += p.volumes.length;
    }
    const cache = props.app.cache;
    if (cache) {
      cpuReq += cpuMillis(CACHE_CPU.request);
      cpuLim += cpuMillis(CACHE_CPU.limit);
      memReq += memoryMiB(cache.memory);
      memLim += memoryMiB(cache.memory);
      pods += 1;
      if (cache.persistence) {
        pvcs += 1;
        storage += memoryMiB(cache.persistence.size);
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
