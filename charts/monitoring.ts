import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { VOLSYNC_NAMESPACE } from '../lib/constructs/backups';
import { CLUSTER_LABEL, METRICS_PORT } from '../lib/constructs/database';
import { HelmRelease } from '../lib/constructs/helm-release';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { PLATFORM_NAMESPACES } from '../lib/platform-contracts';
import { APP_NAMESPACE_LABEL, fromPods, PlatformNetwork, tcp, toApiServer, toInternet, toNodes, toPods } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';
import { VOLSYNC_METRICS_PORT } from './volsync';

const CREDENTIALS_SECRET = 'grafana-cloud';
const RELEASE = 'k8s-monitoring';
/** Where each Alloy collector serves its UI, metrics and (alloy-metrics) clustering. */
const ALLOY_PORT = 12345;
/** kube-state-metrics' `http` port, the one the collector scrapes. */
const KUBE_STATE_METRICS_PORT = 8080;
/** The kubelet (and its cAdvisor) and node-exporter (on the host network), on every node's address. */
const KUBELET_PORT = 10250;
const NODE_EXPORTER_PORT = 9100;

/**
 * Grafana's k8s-monitoring chart: Alloy collectors ship cluster metrics, pod logs and events to
 * Grafana Cloud. Credentials come from Infisical (/platform/grafana-cloud) through an ExternalSecret.
 */
export class MonitoringChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'monitoring');
    const namespace = new PlatformNamespace(this, PLATFORM_NAMESPACES.monitoring, {
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
    new HelmRelease(this, RELEASE, {
      chart: CHARTS.k8sMonitoring,
      targetNamespace: namespace,
      workloads: [
        `deployment/${RELEASE}-alloy-operator`,
        `deployment/${RELEASE}-kube-state-metrics`,
        `daemonset/${RELEASE}-node-exporter`,
        // The collectors: the Alloy operator makes each `Alloy` object the chart renders into the
        // Alloy chart's workload, named after the object, of the kind k8s-monitoring gives it.
        `statefulset/${RELEASE}-alloy-metrics`,
        `daemonset/${RELEASE}-alloy-logs`,
        `deployment/${RELEASE}-alloy-singleton`,
      ],
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

    // The pods, by their labels: the chart's own (alloy-operator, kube-state-metrics, hook Jobs),
    // and the collectors the Alloy operator makes from the chart's Alloy objects with the Alloy
    // chart it embeds (name: the object's nameOverride, instance: the object's name).
    // node-exporter runs on the host network, where NetworkPolicies do not apply.
    const pods = (name: string, instance = RELEASE) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance });
    const alloy = (name: string) => pods(name, `${RELEASE}-${name}`);
    const toGrafanaCloud = (what: string) => toInternet(tcp(443), `ships ${what} to Grafana Cloud (${new URL(cluster.grafanaCloud.metricsUrl).host}, ${new URL(cluster.grafanaCloud.logsUrl).host})`);
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        'alloy-metrics': {
          pods: alloy('alloy-metrics'),
          doors: [
            toApiServer('discovers nodes, pods, Services and endpoints to scrape'),
            toNodes(tcp(KUBELET_PORT, NODE_EXPORTER_PORT), 'scrapes the kubelet and cAdvisor, and node-exporter on the host network, at each node\'s address'),
            toPods({ labels: pods('kube-state-metrics') }, tcp(KUBE_STATE_METRICS_PORT), 'scrapes kube-state-metrics'),
            toPods({ namespacesLabelled: APP_NAMESPACE_LABEL, withLabel: CLUSTER_LABEL }, tcp(METRICS_PORT), 'scrapes the databases\' metrics (annotation autodiscovery; the backup alerts read them)'),
            toPods({ namespace: VOLSYNC_NAMESPACE }, tcp(VOLSYNC_METRICS_PORT), 'scrapes the VolSync controller\'s metrics (annotation autodiscovery; the backup alerts read them)'),
            toPods({ labels: alloy('alloy-metrics') }, tcp(ALLOY_PORT), 'clusters with its other replicas, which share the scrape targets'),
            fromPods({ labels: alloy('alloy-metrics') }, tcp(ALLOY_PORT), 'its other replicas cluster with it'),
            toGrafanaCloud('metrics'),
          ],
        },
        'alloy-logs': {
          pods: alloy('alloy-logs'),
          doors: [toApiServer('discovers the pods on its node, whose log files it reads from the host'), toGrafanaCloud('pod logs')],
        },
        'alloy-singleton': {
          pods: alloy('alloy-singleton'),
          doors: [toApiServer('watches the cluster\'s events'), toGrafanaCloud('events and its own telemetry')],
        },
        'alloy-operator': {
          pods: pods('alloy-operator'),
          doors: [toApiServer('installs the collectors from the Alloy objects, as Helm releases of the Alloy chart')],
        },
        'kube-state-metrics': {
          pods: pods('kube-state-metrics'),
          doors: [
            toApiServer('lists and watches the objects it reports on'),
            fromPods({ labels: alloy('alloy-metrics') }, tcp(KUBE_STATE_METRICS_PORT), 'the collector scrapes it'),
          ],
        },
        // The chart's hook Jobs: post-install adds a finalizer, pre-delete removes the Alloy objects first.
        hooks: {
          pods: pods(RELEASE),
          doors: [toApiServer('adds and removes the finalizer that has the Alloy objects removed before the operator')],
        },
      },
    });
  }
}
