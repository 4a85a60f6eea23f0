import type { App } from 'cdk8s';
import { CHARTS, IMAGES } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { CNPG_NAMESPACE } from '../lib/constructs/backups';
import { CLUSTER_LABEL, INSTANCE_STATUS_PORT } from '../lib/constructs/database';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { APP_NAMESPACE_LABEL, fromApiServer, fromPods, PlatformNetwork, tcp, toApiServer, toPods } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/** The operator's admission webhook (the chart's webhook.port). */
const WEBHOOK_PORT = 9443;
/** The Barman Cloud plugin's gRPC port (the chart's service.port), which the operator calls. */
const PLUGIN_PORT = 9090;

/**
 * CloudNativePG, the operator behind every app's `database:` (lib/constructs/database.ts), and its
 * Barman Cloud plugin, which archives WAL and takes base backups to object storage (the in-tree
 * `barmanObjectStore` is deprecated since CloudNativePG 1.26; docs/backups.md says why the plugin).
 * The plugin must run in the operator's namespace; its TLS certificates come from cert-manager.
 */
export class CloudNativePgChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'cloudnative-pg');
    const namespace = new PlatformNamespace(this, CNPG_NAMESPACE, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'cloudnative-pg', {
      chart: CHARTS.cloudnativePg,
      targetNamespace: namespace,
      // Its admission webhooks (mcluster.cnpg.io, vcluster.cnpg.io, ...) must answer before any
      // Cluster is applied: the operator itself serves them (cnpg-webhook-service selects its pods).
      crdGroups: ['postgresql.cnpg.io'],
      webhookDeployments: ['cloudnative-pg'],
      values: {
        crds: { create: true },
        resources: resources('50m', '128Mi', { memory: '256Mi' }),
        // Clusters are scraped through pod annotations (Alloy autodiscovery), not PodMonitors.
        monitoring: { podMonitorEnabled: false },
      },
    });
    new HelmRelease(this, 'barman-cloud', {
      chart: CHARTS.barmanCloudPlugin,
      targetNamespace: namespace,
      crdGroups: ['barmancloud.cnpg.io'],
      // `<release>-plugin-barman-cloud`: the release name does not contain the chart's. It serves no
      // admission webhook (CloudNativePG's Cluster webhook does not call plugins); the operator
      // reaches it over gRPC when it reconciles a Cluster that names it.
      workloads: ['deployment/barman-cloud-plugin-barman-cloud'],
      values: {
        crds: { create: true },
        image: { tag: IMAGES.barmanCloudPlugin.tag },
        sidecarImage: { tag: IMAGES.barmanCloudPlugin.tag },
        resources: resources('10m', '64Mi', { memory: '128Mi' }),
      },
    });

    // The labels the two charts give their pods (name, instance).
    const operator = { 'app.kubernetes.io/name': 'cloudnative-pg', 'app.kubernetes.io/instance': 'cloudnative-pg' };
    const plugin = { 'app.kubernetes.io/name': 'plugin-barman-cloud', 'app.kubernetes.io/instance': 'barman-cloud' };
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        operator: {
          pods: operator,
          doors: [
            fromApiServer(tcp(WEBHOOK_PORT), 'the API server calls the admission webhooks for Clusters, Backups, ScheduledBackups, Databases and Poolers'),
            toApiServer('reconciles Clusters: creates their pods, Services, Secrets and Jobs'),
            toPods({ namespacesLabelled: APP_NAMESPACE_LABEL, withLabel: CLUSTER_LABEL }, tcp(INSTANCE_STATUS_PORT), 'asks each database instance for its status (and fences, promotes, backs it up) through its instance manager'),
            toPods({ labels: plugin }, tcp(PLUGIN_PORT), 'calls the Barman Cloud plugin (CNPG-I over gRPC with TLS) for WAL archiving and backups'),
          ],
        },
        'barman-cloud': {
          pods: plugin,
          doors: [
            fromPods({ labels: operator }, tcp(PLUGIN_PORT), 'the operator calls the plugin (CNPG-I)'),
            toApiServer('reads ObjectStores and gives each database\'s instances the Role that reads its credentials'),
          ],
        },
      },
    });
  }
}
