import type { App } from 'cdk8s';
import { CHARTS, IMAGES } from '../config/versions';
import { CNPG_NAMESPACE } from '../lib/constructs/backups';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/**
 * CloudNativePG, the operator behind every app's `database:` (lib/constructs/database.ts), and its
 * Barman Cloud plugin, which archives WAL and takes base backups to object storage (the in-tree
 * `barmanObjectStore` is deprecated since CloudNativePG 1.26; docs/backups.md says why the plugin).
 * The plugin must run in the operator's namespace; its TLS certificates come from cert-manager.
 */
export class CloudNativePgChart extends PlatformChart {
  constructor(scope: App) {
    super(scope, 'cloudnative-pg');
    const namespace = new PlatformNamespace(this, CNPG_NAMESPACE, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'cloudnative-pg', {
      chart: CHARTS.cloudnativePg,
      targetNamespace: namespace,
      // Its admission webhooks must answer before any Cluster is applied.
      crdGroups: ['postgresql.cnpg.io'],
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
      values: {
        crds: { create: true },
        image: { tag: IMAGES.barmanCloudPlugin.tag },
        sidecarImage: { tag: IMAGES.barmanCloudPlugin.tag },
        resources: resources('10m', '64Mi', { memory: '128Mi' }),
      },
    });
  }
}
