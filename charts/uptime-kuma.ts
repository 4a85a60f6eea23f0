import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { AdminOnly } from '../lib/constructs/admin-only';
import { HelmRelease } from '../lib/constructs/helm-release';
import { HttpsIngress } from '../lib/constructs/ingress';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { fromPods, PlatformNetwork, tcp, toInternet, toPods } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { statusHost } from '../lib/hosts';
import { TRAEFIK_ENTRYPOINT_PORTS, TRAEFIK_NAMESPACE } from '../lib/platform-contracts';
import { PlatformChart } from '../lib/render';

const RELEASE = 'uptime-kuma';
const PORT = 3001;
/** Its namespace, pods (the labels chart 4.1 gives them) and port: what Traefik routes status.<domain> to. */
export const UPTIME_KUMA = { namespace: RELEASE, pods: { 'app.kubernetes.io/name': RELEASE, 'app.kubernetes.io/instance': RELEASE }, port: PORT } as const;

/**
 * What a public status page loads: the page, its data and heartbeats, badges and static assets.
 * Everything else (the dashboard, settings, the first-run setup wizard, the socket.io API) is the
 * admin UI, which only the admin CIDRs reach.
 */
export const PUBLIC_STATUS_PATHS = ['/status', '/api/status-page', '/api/badge', '/assets', '/upload', '/icon.svg', '/favicon.ico'] as const;

/**
 * Uptime Kuma, the status page at status.<domain>, with its SQLite data on a Civo volume.
 * The Ingresses are rendered here (not by the chart) so that they are reviewed, and DNS is derived
 * from them: one public for the status page paths, one for everything else behind AdminOnly (the
 * first visitor of an open setup wizard would become its admin).
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
    // Public, and its image starts as root: it reaches neither the API server nor the cloud's
    // metadata service (169.254.169.254), nor any other private address but Traefik's.
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        'uptime-kuma': {
          pods: UPTIME_KUMA.pods,
          doors: [
            fromPods({ namespace: TRAEFIK_NAMESPACE }, tcp(PORT), 'Traefik routes the status page and (from the admin CIDRs) the dashboard to it'),
            toInternet(tcp(80, 443), 'checks the sites it monitors (HTTP and HTTPS) and sends notifications to web hooks'),
            toPods({ namespace: TRAEFIK_NAMESPACE }, tcp(TRAEFIK_ENTRYPOINT_PORTS.web, TRAEFIK_ENTRYPOINT_PORTS.websecure), "checks the platform's own sites: without Cloudflare's proxy their address is the load balancer's, which kube-proxy sends straight to Traefik's pods"),
          ],
        },
      },
    });
    const hosts = [statusHost(cluster)];
    new HttpsIngress(this, 'status-page', {
      name: `${RELEASE}-status-page`,
      namespace,
      hosts,
      routes: PUBLIC_STATUS_PATHS.map((path) => ({ path, service: RELEASE, port: PORT })),
    });
    const adminOnly = new AdminOnly(this, 'admin-only', { cluster, namespace });
    new HttpsIngress(this, 'admin', {
      name: RELEASE,
      namespace,
      hosts,
      routes: [{ path: '/', service: RELEASE, port: PORT }],
      middlewares: [adminOnly.reference],
    });
  }
}
