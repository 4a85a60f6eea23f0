import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { HttpsIngress } from '../lib/constructs/ingress';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { statusHost } from '../lib/hosts';
import { PlatformChart } from '../lib/render';

const RELEASE = 'uptime-kuma';
const PORT = 3001;

/**
 * Uptime Kuma, the status page at status.<domain>, with its SQLite data on a Civo volume.
 * The Ingress is rendered here (not by the chart) so that it is reviewed, and DNS is derived from it.
 */
export class UptimeKumaChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'uptime-kuma');
    const namespace = new PlatformNamespace(this, 'uptime-kuma', {
      podSecurity: 'baseline',
      reason: 'the upstream image starts as root to fix data-volume ownership before dropping privileges',
    }).name;
    new HelmRelease(this, RELEASE, {
      chart: CHARTS.uptimeKuma,
      targetNamespace: namespace,
      values: {
        fullnameOverride: RELEASE,
        strategy: { type: 'Recreate' },
        service: { type: 'ClusterIP', port: PORT },
        ingress: { enabled: false },
        volume: { enabled: true, accessMode: 'ReadWriteOnce', size: '2Gi', storageClassName: 'civo-volume' },
        resources: resources('50m', '128Mi', { memory: '384Mi' }),
        securityContext: { allowPrivilegeEscalation: false },
      },
    });
    new HttpsIngress(this, 'ingress', {
      name: RELEASE,
      namespace,
      hosts: [statusHost(cluster)],
      routes: [{ path: '/', service: RELEASE, port: PORT }],
    });
  }
}
