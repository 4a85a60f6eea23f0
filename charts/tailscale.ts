import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { DEPLOY_GROUP, DRIFT_GROUP } from '../lib/delivery/deploy-identity';
import { driftTag } from '../lib/delivery/tailscale';
import { HelmRelease } from '../lib/constructs/helm-release';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { PLATFORM_NAMESPACES } from '../lib/platform-contracts';
import { PlatformNetwork, tcp, toApiServer, toInternet, udp } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';
import { TAILNET_PROXIES, TailnetProxyClass } from '../lib/constructs/tailnet-proxies';

/** The Secret the operator reads its OAuth client from (the chart's default name and keys). */
export const TAILSCALE_OAUTH_SECRET = { name: 'operator-oauth', clientIdKey: 'client_id', clientSecretKey: 'client_secret' } as const;

/**
 * The Tailscale operator, for its API server proxy in auth mode: the deploy job joins the tailnet as
 * `tailscale.ciTag` and the drift job as its `-drift` sibling (ephemeral nodes, per run) and reach the
 * API at https://<apiProxyHostname>.<tailnet>; the proxy impersonates the Kubernetes group the
 * tailnet policy grants each tag (DEPLOY_GROUP, DRIFT_GROUP), which RBAC binds to the deploy and
 * the read-only drift identity. No kubeconfig
 * secret, no credential that outlives a run, and port 6443 never opens to the internet.
 *
 * With `tailnetApps` (an app declares `tailnet`), the operator also serves their Ingresses: its
 * IngressClass, the ProxyClass their proxy pods take, and those pods' NetworkPolicy. Without, none
 * of it is rendered.
 */
export class TailscaleChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig, tailnetApps = false) {
    super(scope, 'tailscale');
    const namespace = new PlatformNamespace(this, PLATFORM_NAMESPACES.tailscale, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'tailscale-operator', {
      chart: CHARTS.tailscaleOperator,
      targetNamespace: namespace,
      crdGroups: ['tailscale.com'],
      // A fixed name, whatever the release.
      workloads: ['deployment/operator'],
      values: {
        operatorConfig: {
          hostname: cluster.tailscale.apiProxyHostname,
          resources: resources('20m', '64Mi', { memory: '256Mi' }),
          // The operator is tsnet in userspace: it needs no privilege.
          podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
        // Auth mode: requests are impersonated as the tailnet identity and the groups its grant names.
        apiServerProxyConfig: { mode: 'true', allowImpersonation: 'true' },
        // Its IngressClass (`tailscale`) only when an app is served on the tailnet (lib/constructs/tailnet-ingress.ts).
        ingressClass: { enabled: tailnetApps },
      },
    });

    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        // The chart labels the operator's pods `app: operator` only. The API server proxy runs in
        // this process (tsnet, in userspace). The proxies of tailnet-only apps' Ingresses have a
        // component of their own; a proxy the operator might start for another resource (a Service,
        // a Connector) would be left with the default deny.
        operator: {
          pods: { app: 'operator' },
          doors: [
            toApiServer('manages its tailnet devices\' Secrets, and forwards the API requests its proxy receives (impersonating their tailnet identity)'),
            toInternet(tcp(443), 'reaches the Tailscale control plane (login, OAuth, keys) and DERP relays'),
            toInternet(udp(3478), 'STUN: finds its public address for direct connections'),
            toInternet(udp(41641), 'direct WireGuard connections to peers on tailscaled\'s default port (others go through a DERP relay on 443)'),
          ],
        },
        ...(tailnetApps ? { proxies: TAILNET_PROXIES } : {}),
      },
    });
    if (tailnetApps) new TailnetProxyClass(this, 'proxy-class');

    // The operator's OAuth client (Devices Core, Auth Keys write; tag:k8s-operator) at /platform/tailscale.
    new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: '/platform/tailscale' });
    new InfisicalSecret(this, 'oauth', {
      cluster,
      namespace,
      secretName: TAILSCALE_OAUTH_SECRET.name,
      keys: { [TAILSCALE_OAUTH_SECRET.clientIdKey]: 'TS_OAUTH_CLIENT_ID', [TAILSCALE_OAUTH_SECRET.clientSecretKey]: 'TS_OAUTH_CLIENT_SECRET' },
    });
  }
}

/** The tailnet policy entries the setup needs (docs/delivery.md prints them for the admin console). */
export function tailnetPolicy(cluster: ClusterConfig): Record<string, unknown> {
  return {
    tagOwners: { 'tag:k8s-operator': [], 'tag:k8s': ['tag:k8s-operator'], [cluster.tailscale.ciTag]: ['autogroup:admin'], [driftTag(cluster)]: ['autogroup:admin'] },
    // One grant per CI tag: the proxy impersonates every group granted to a caller, so the drift tag
    // must not share the deploy tag's grant.
    grants: [
      {
        src: [cluster.tailscale.ciTag],
        dst: ['tag:k8s-operator'],
        ip: ['tcp:443'],
        app: { 'tailscale.com/cap/kubernetes': [{ impersonate: { groups: [DEPLOY_GROUP] } }] },
      },
      {
        src: [driftTag(cluster)],
        dst: ['tag:k8s-operator'],
        ip: ['tcp:443'],
        app: { 'tailscale.com/cap/kubernetes': [{ impersonate: { groups: [DRIFT_GROUP] } }] },
      },
    ],
  };
}
