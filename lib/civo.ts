/**
 * Civo Kubernetes node sizes the platform knows how to plan for: allocatable-ish capacity and list
 * price (USD per node per month, civo.com/pricing, 2026). Used to validate the node pool size and
 * by `npm run report` to size the pool.
 */
export interface NodeSize {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  readonly monthlyUsd: number;
}

export const NODE_SIZES = {
  'g4s.kube.xsmall': { cpuMillis: 1000, memoryMiB: 1024, monthlyUsd: 5.43 },
  'g4s.kube.small': { cpuMillis: 1000, memoryMiB: 2048, monthlyUsd: 10.86 },
  'g4s.kube.medium': { cpuMillis: 2000, memoryMiB: 4096, monthlyUsd: 21.73 },
  'g4s.kube.large': { cpuMillis: 4000, memoryMiB: 8192, monthlyUsd: 43.45 },
  'g4s.kube.xlarge': { cpuMillis: 6000, memoryMiB: 16384, monthlyUsd: 86.9 },
} as const satisfies Record<string, NodeSize>;

export type NodeSizeName = keyof typeof NODE_SIZES;

/**
 * Share of each node kept for k3s (server/agent, containerd), the kubelet's eviction threshold, the
 * OS and kube-system's own pods (CoreDNS, metrics-server, Civo's CCM/CSI): Civo publishes no
 * allocatable figures, and these take roughly a tenth of a small node. The capacity report
 * (lib/report/capacity.ts) and the pod-fit check (lib/spec/node-fit.ts) both read it.
 */
export const SYSTEM_RESERVED = 0.1;

export const CIVO_REGIONS = ['FRA1', 'LON1', 'NYC1', 'PHX1', 'MUM1'] as const;

/**
 * The Kubernetes versions Civo offers for new k3s clusters, as `civo kubernetes versions` lists
 * them. Offline by design (synth calls no API), so this list is kept by hand: as of 2026-07 it
 * holds the version the template and the bootstrap were proven with (1.32.5-k3s1, also Civo's
 * stable version in the civo.cloud Ansible collection's civo_kubernetes_version_info docs, 2026).
 * Add a version here after `civo kubernetes versions` shows it, and the control-plane tests
 * (lib/delivery/control-plane.ts builds the same Kubernetes release) still pass; what is pinned to
 * the minor (cdk8s-plus-<minor> in package.json, the autoscaler, the drills' kubectl) moves with it
 * (test/kubernetes-minor.test.ts).
 */
export const CIVO_KUBERNETES_VERSIONS = ['1.32.5-k3s1'] as const;

/** The offered versions nearest to `version` (same minor first, then by distance), at most three. */
export function nearestCivoVersions(version: string): string[] {
  const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? [, '0', '0', '0']).slice(1, 4).map(Number);
  const [, minor, patch] = parts(version);
  const distance = (v: string) => {
    const [, m, p] = parts(v);
    return Math.abs(m! - minor!) * 1000 + Math.abs(p! - patch!);
  };
  return [...CIVO_KUBERNETES_VERSIONS].sort((a, b) => distance(a) - distance(b) || a.localeCompare(b)).slice(0, 3);
}

/** k3s' default pod and Service ranges, which Civo's clusters keep (bootstrap/stack.ts sets none). */
export const K3S_POD_CIDR = '10.42.0.0/16';
export const K3S_SERVICE_CIDR = '10.43.0.0/16';
