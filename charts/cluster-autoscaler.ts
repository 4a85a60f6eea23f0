import type { App } from 'cdk8s';
import { CHARTS, CLUSTER_AUTOSCALER_RELEASES } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/** Civo creates this Secret in every cluster (keys api-url, api-key, cluster-id, region). */
export const CIVO_API_SECRET = 'civo-api-access';

/** `1.32` from `1.32.5-k3s1`. */
export const kubernetesMinor = (version: string): string => version.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** The autoscaler release built for the cluster's Kubernetes minor (config/versions.ts). */
export function clusterAutoscalerTag(cluster: ClusterConfig): string {
  const minor = kubernetesMinor(cluster.kubernetes.version);
  const tag = CLUSTER_AUTOSCALER_RELEASES[minor];
  if (!tag) {
    throw new Error(
      `charts/cluster-autoscaler.ts: no cluster-autoscaler release pinned for Kubernetes ${minor} (config/cluster.ts kubernetes.version ${cluster.kubernetes.version}); add the newest ${minor}.x to CLUSTER_AUTOSCALER_RELEASES in config/versions.ts`,
    );
  }
  return tag;
}

/**
 * The upstream cluster-autoscaler for Civo, growing the node pool within the bounds in config.
 * Its image is the release for the cluster's Kubernetes minor, not the chart's default (which
 * follows the newest Kubernetes): upstream supports each autoscaler only with its own minor.
 */
export class ClusterAutoscalerChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'cluster-autoscaler');
    new HelmRelease(this, 'cluster-autoscaler', {
      chart: CHARTS.clusterAutoscaler,
      // kube-system: where Civo's API secret lives, which the chart reads its CIVO_* variables from.
      targetNamespace: 'kube-system',
      // `<release>-<cloudProvider>-cluster-autoscaler`, as the chart names it.
      workloads: ['deployment/cluster-autoscaler-civo-cluster-autoscaler'],
      values: {
        cloudProvider: 'civo',
        image: { tag: clusterAutoscalerTag(cluster) },
        secretKeyRefNameOverride: CIVO_API_SECRET,
        // `workers` applies the bounds to the cluster's node pool (the bootstrap creates exactly one).
        autoscalingGroups: [{ name: 'workers', minSize: cluster.nodePool.minNodes, maxSize: cluster.nodePool.maxNodes }],
        extraArgs: {
          'scale-down-delay-after-add': '10m',
          expander: 'least-waste',
          'skip-nodes-with-local-storage': false,
        },
        resources: resources('50m', '128Mi', { memory: '300Mi' }),
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
    });
  }
}
