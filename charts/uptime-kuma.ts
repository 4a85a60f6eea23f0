import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-32';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { AdminOnly } from '../lib/constructs/admin-only';
import { BackupSecretStore } from '../lib/constructs/backups';
import { HelmRelease } from '../lib/constructs/helm-release';
import { HttpsIngress } from '../lib/constructs/ingress';
import { LoginGate } from '../lib/constructs/login';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { fromPods, PlatformNetwork, tcp, toInternet, toPods } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { VolumeBackup } from '../lib/constructs/volume-backup';
import { statusHost } from '../lib/hosts';
import { PLATFORM_NAMESPACES, TRAEFIK_ENTRYPOINT_PORTS, TRAEFIK_NAMESPACE } from '../lib/platform-contracts';
import { AFTER_RECOVERY_LABEL, PlatformChart } from '../lib/render';
import { loginGroups } from '../lib/spec/login';
import type { VolumeSpec } from '../lib/spec/types';

const RELEASE = PLATFORM_NAMESPACES.uptimeKuma;
const PORT = 3001;
/** Its namespace, pods (the labels chart 4.1 gives them) and port: what Traefik routes status.<domain> to. */
export const UPTIME_KUMA = { namespace: RELEASE, pods: { 'app.kubernetes.io/name': RELEASE, 'app.kubernetes.io/instance': RELEASE }, port: PORT } as const;

/**
 * Uptime Kuma's SQLite data. dist/ owns the claim, not the chart: the chart gets it as
 * `volume.existingClaim`, so no values change can make helm delete it, removing it from dist/ is a
 * protected prune, and it is backed up like an app volume. The name is the one the chart gave the
 * claim it created (`<fullname>-pvc`), so the data volume carries over: dist/ annotates the live
 * claim `helm.sh/resource-policy: keep` in 01-prerequisites, before helm-controller upgrades the
 * release that no longer renders it, and helm leaves a kept object in place (docs/backups.md,
 * "Chart volumes").
 */
export const DATA_VOLUME: VolumeSpec = {
  claim: `${RELEASE}-pvc`,
  field: 'DATA_VOLUME',
  owner: RELEASE,
  backupName: RELEASE,
  repositoryFolder: RELEASE,
  size: '2Gi',
  // The image runs as root (PUID 0 by default): its files are root's, and so are the movers'.
  uid: 0,
  // To restore: scale the Deployment to 0 by hand (the chart has no replicas value), set
  // `restore: { from: 'backup', asOf: '<RFC 3339>' }` here, apply, wait, remove it, scale back to 1.
};

/**
 * What a public status page loads: the page, its data and heartbeats, badges and static assets.
 * Everything else (the dashboard, settings, the first-run setup wizard, the socket.io API) is the
 * admin UI, which only the admins reach: those config `adminLogin` names, through the sign-in at the
 * edge (charts/sign-in.ts), or without it the admin CIDRs.
 */
export const PUBLIC_STATUS_PATHS = ['/status', '/api/status-page', '/api/badge', '/assets', '/upload', '/icon.svg', '/favicon.ico'] as const;

/**
 * Uptime Kuma, the status page at status.<domain>, with its SQLite data on a Civo volume that
 * dist/ owns and VolSync backs up to s3://<bucket>/uptime-kuma/volumes/uptime-kuma/.
 * The Ingresses are rendered here (not by the chart) so that they are reviewed, and DNS is derived
 * from them: one public for the status page paths, one for everything else behind the admins' login
 * or AdminOnly (the first visitor of an open setup wizard would become its admin).
 */
export class UptimeKumaChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'uptime-kuma');
    const namespace = new PlatformNamespace(this, PLATFORM_NAMESPACES.uptimeKuma, {
      podSecurity: 'baseline',
      reason: 'the upstream image starts as root to fix data-volume ownership before dropping privileges',
    }).name;
    new k8s.KubePersistentVolumeClaim(this, 'data', {
      metadata: {
        name: DATA_VOLUME.claim,
        namespace,
        labels: { 'app.kubernetes.io/name': RELEASE },
        annotations: { 'helm.sh/resource-policy': 'keep' },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'civo-volume',
        resources: { requests: { storage: k8s.Quantity.fromString(DATA_VOLUME.size) } },
      },
    });
    new BackupSecretStore(this, 'backup-store', { cluster, app: RELEASE, namespace });
    new VolumeBackup(this, 'data-backup', { app: RELEASE, namespace, volume: DATA_VOLUME, cluster });
    new HelmRelease(this, RELEASE, {
      chart: CHARTS.uptimeKuma,
      targetNamespace: namespace,
      // Named by fullnameOverride below; a Deployment by the chart's default `useDeploy: true` (its
      // StatefulSet would not mount the existing claim).
      workloads: [`deployment/${RELEASE}`],
      // Recover mode: installed once its volume is back (the chart has no replicas value to hold it).
      ...(cluster.backups.recover ? { labels: { [AFTER_RECOVERY_LABEL]: 'true' } } : {}),
      values: {
        fullnameOverride: RELEASE,
        strategy: { type: 'Recreate' },
        service: { type: 'ClusterIP', port: PORT },
        ingress: { enabled: false },
        volume: { enabled: true, existingClaim: DATA_VOLUME.claim },
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
            fromPods({ namespace: TRAEFIK_NAMESPACE }, tcp(PORT), 'Traefik routes the status page and (for the admins) the dashboard to it'),
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
    // The admin UI: behind the sign-in when config `adminLogin` says who the admins are, else the admin CIDRs only.
    const admin = cluster.adminLogin
      ? new LoginGate(this, 'login', { namespace, login: loginGroups(cluster.adminLogin) })
      : new AdminOnly(this, 'admin-only', { cluster, namespace });
    new HttpsIngress(this, 'admin', {
      name: RELEASE,
      namespace,
      hosts,
      routes: [{ path: '/', service: RELEASE, port: PORT }],
      middlewares: [admin.reference],
    });
  }
}
