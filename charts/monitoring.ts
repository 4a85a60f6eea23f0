import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

const CREDENTIALS_SECRET = 'grafana-cloud';

/**
 * Grafana's k8s-monitoring chart: Alloy collectors ship cluster metrics, pod logs and events to
 * Grafana Cloud. Credentials come from Infisical (/platform/grafana-cloud) through an ExternalSecret.
 */
export class MonitoringChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'monitoring');
    const namespace = new PlatformNamespace(this, 'monitoring', {
      podSecurity: 'privileged',
      reason: 'node-exporter and the Alloy log collector read host paths (/proc, /sys, /var/log) on every node',
    }).name;

    new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: '/platform/grafana-cloud' });
    new InfisicalSecret(this, 'credentials', {
      cluster,
      namespace,
      secretName: CREDENTIALS_SECRET,
      keys: {
        'metrics-username': 'GRAFANA_CLOUD_METRICS_USERNAME',
        'logs-username': 'GRAFANA_CLOUD_LOGS_USERNAME',
        'access-token': 'GRAFANA_CLOUD_ACCESS_TOKEN',
      },
    });

    const destination = (name: string, type: string, url: string, usernameKey: string) => ({
      name,
      type,
      url,
      auth: { type: 'basic', usernameKey, passwordKey: 'access-token' },
      secret: { create: false, name: CREDENTIALS_SECRET, namespace },
    });
    const collector = (cpu: string, memory: string, memoryLimit: string) => ({
      enabled: true,
      alloy: { resources: resources(cpu, memory, { memory: memoryLimit }) },
    });
    new HelmRelease(this, 'k8s-monitoring', {
      chart: CHARTS.k8sMonitoring,
      targetNamespace: namespace,
      values: {
        cluster: { name: cluster.name },
        destinations: [
          destination('grafana-cloud-metrics', 'prometheus', cluster.grafanaCloud.metricsUrl, 'metrics-username'),
          destination('grafana-cloud-logs', 'loki', cluster.grafanaCloud.logsUrl, 'logs-username'),
        ],
        clusterMetrics: { enabled: true },
        clusterEvents: { enabled: true },
        podLogs: { enabled: true },
        'alloy-metrics': collector('50m', '256Mi', '512Mi'),
        'alloy-logs': collector('20m', '96Mi', '256Mi'),
        'alloy-singleton': collector('10m', '64Mi', '128Mi'),
      },
    });
  }
}
