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
    // Every container the chart renders gets requests and a memory limit (checked on the rendered
    // chart by `npm run check-charts`): the Alloy collectors and their config reloaders, the
    // exporters, the Alloy operator and the operator's install/uninstall hook Jobs.
    const configReloader = { resources: resources('5m', '16Mi', { memory: '64Mi' }) };
    const collector = (cpu: string, memory: string, memoryLimit: string) => ({
      enabled: true,
      alloy: { resources: resources(cpu, memory, { memory: memoryLimit }) },
      configReloader,
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
        clusterMetrics: {
          enabled: true,
          'kube-state-metrics': { resources: resources('10m', '64Mi', { memory: '128Mi' }) },
          'node-exporter': { resources: resources('10m', '32Mi', { memory: '64Mi' }) },
          // Civo's node pools are Linux only: no Windows exporter DaemonSet, and no scrape job for it.
          'windows-exporter': { enabled: false, deploy: false },
        },
        clusterEvents: { enabled: true },
        // Pods annotated k8s.grafana.com/scrape (databases, VolSync): the metrics the backup alerts read.
        annotationAutodiscovery: { enabled: true },
        podLogs: { enabled: true },
        'alloy-metrics': collector('50m', '256Mi', '512Mi'),
        'alloy-logs': collector('20m', '96Mi', '256Mi'),
        'alloy-singleton': collector('10m', '64Mi', '128Mi'),
        'alloy-operator': {
          resources: resources('10m', '64Mi', { memory: '256Mi' }),
          waitForAlloyRemoval: { resources: resources('10m', '32Mi', { memory: '64Mi' }) },
        },
      },
      anchors: { configReloader },
    });
  }
}
