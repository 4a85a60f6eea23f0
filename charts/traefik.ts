import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import { CLOUDFLARE_RANGES } from '../lib/cloudflare';
import type { ClusterConfig } from '../lib/config';
import { ChartCrds } from '../lib/constructs/chart-crds';
import { HelmRelease } from '../lib/constructs/helm-release';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { APP_NAMESPACE_LABEL, fromAnywhere, PlatformNetwork, tcp, toApiServer, toPods } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { SIGN_IN, TRAEFIK_ENTRYPOINT_PORTS, TRAEFIK_NAMESPACE, WILDCARD_CERT_SECRET } from '../lib/platform-contracts';
import { PlatformChart } from '../lib/render';
import { Construct } from 'constructs';
import { SIGN_IN_PODS } from './sign-in';
import { UPTIME_KUMA } from './uptime-kuma';


/** Civo's cloud controller turns PROXY protocol (v2) on for the load balancer with this annotation. */
export const CIVO_PROXY_PROTOCOL = 'kubernetes.civo.com/loadbalancer-enable-proxy-protocol';

/**
 * Traefik, self-hosted (the bootstrap removes Civo's bundled one): a DaemonSet behind a Civo load
 * balancer on the reserved IP.
 *
 * The client IP, hop by hop (docs/client-ip.md): Cloudflare's edge opens a new TCP connection and
 * carries the client's address in X-Forwarded-For and CF-Connecting-IP (it sends no PROXY protocol);
 * the Civo load balancer is a TCP proxy that would hide the edge's address, so it is told to send
 * PROXY protocol v2, and Traefik accepts that header only from the private network the load
 * balancer sits in. Traefik then sees the edge's address, and trusts X-Forwarded-For only from
 * Cloudflare's ranges: apps get the real client IP in X-Forwarded-For, anyone else's is dropped.
 */
export class TraefikChart extends PlatformChart {
  /**
   * `requestTimeoutSeconds`: how long a request may take to arrive on websecure, when an app asks for
   * longer than Traefik's 60 s (uploads); the slowest app's, since one entry point serves them all.
   */
  constructor(scope: App, cluster: ClusterConfig, requestTimeoutSeconds?: number) {
    super(scope, 'traefik');
    new PlatformNamespace(this, TRAEFIK_NAMESPACE, { podSecurity: 'restricted' });

    // One object for both entry points, written once in the values (anchors below).
    // Traefik's CRDs at the chart's version, applied before it: helm would never upgrade them.
    new ChartCrds(this, 'crds', CHARTS.traefik);
    const clientIp = { proxyProtocol: { trustedIPs: [cluster.network.cidr] }, forwardedHeaders: { trustedIPs: [...CLOUDFLARE_RANGES] } };
    // Authenticated Origin Pulls: TLS only from a client whose certificate the zone's CA signed, which
    // only this zone's Cloudflare presents (docs/client-ip.md); the CA from Infisical.
    const originPulls = cluster.dns.authenticatedOriginPulls ? new OriginPullCa(this, cluster) : undefined;
    // A client's X_Auth_Request_User is dropped: Traefik replaces only the dashed form of the
    // headers a login sets (ForwardAuth), and backends that read headers as CGI/WSGI/PHP variables
    // take both names for one (GHSA-x677-9fxg-v5c5; docs/private-uis.md).
    const headers = { underscoreHeadersStrategy: 'delete' };
    // A DaemonSet, not the chart's default Deployment: one Traefik on every node.
    const kind = 'DaemonSet';
    new HelmRelease(this, 'traefik', {
      chart: CHARTS.traefik,
      targetNamespace: TRAEFIK_NAMESPACE,
      crdGroups: ['traefik.io'],
      // Named after the release; `deployment.kind` below picks the kind.
      workloads: [`${kind.toLowerCase()}/traefik`],
      values: {
        deployment: { kind },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        service: {
          // Civo's cloud controller binds the load balancer to this reserved IP (created by the bootstrap).
          annotations: {
            'kubernetes.civo.com/ipv4-address': cluster.loadBalancer.reservedIp,
            ...(cluster.loadBalancer.firewallId && { 'kubernetes.civo.com/firewall-id': cluster.loadBalancer.firewallId }),
            [CIVO_PROXY_PROTOCOL]: 'send-proxy-v2',
          },
          spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
        },
        ports: {
          web: {
            exposedPort: 80,
            http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } }, ...headers },
            ...clientIp,
          },
          websecure: {
            exposedPort: 443,
            http: { tls: { enabled: true }, ...headers },
            ...clientIp,
            ...(requestTimeoutSeconds ? { transport: { respondingTimeouts: { readTimeout: `${requestTimeoutSeconds}s` } } } : {}),
          },
        },
        tlsStore: { default: { defaultCertificate: { secretName: WILDCARD_CERT_SECRET } } },
        ...(originPulls ? { tlsOptions: { default: { clientAuth: { secretNames: [originPulls.secretName], clientAuthType: 'RequireAndVerifyClientCert' } } } } : {}),
        // The dashboard stays off the internet; reach it with `kubectl port-forward` when needed.
        ingressRoute: { dashboard: { enabled: false } },
        ingressClass: { enabled: true, isDefaultClass: true, name: 'traefik' },
        providers: {
          kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
          kubernetesCRD: { enabled: true, allowCrossNamespace: false },
        },
        resources: resources('100m', '64Mi', { cpu: '500m', memory: '256Mi' }),
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
      anchors: { cloudflare: clientIp.forwardedHeaders, privateNetwork: clientIp.proxyProtocol },
    });

    new PlatformNetwork(this, 'network', {
      cluster,
      namespace: TRAEFIK_NAMESPACE,
      components: {
        // The labels traefik 41 gives its pods (name, instance: release and namespace).
        traefik: {
          pods: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': `traefik-${TRAEFIK_NAMESPACE}` },
          doors: [
            // From anywhere: the load balancer (PROXY protocol from the private network), and pods
            // that reach the platform's hosts at the load balancer's address, which kube-proxy sends here.
            fromAnywhere(tcp(TRAEFIK_ENTRYPOINT_PORTS.web, TRAEFIK_ENTRYPOINT_PORTS.websecure), 'the entry points web (80) and websecure (443), behind the load balancer'),
            toApiServer('watches Ingresses, IngressRoutes, Middlewares, Services and endpoints, and the TLS Secrets'),
            // Any port: each app's own policy admits Traefik to its web ports only.
            toPods({ namespacesLabelled: APP_NAMESPACE_LABEL }, 'any', 'routes requests to the apps\' web components'),
            toPods({ namespace: UPTIME_KUMA.namespace, labels: UPTIME_KUMA.pods }, tcp(UPTIME_KUMA.port), 'routes status.<domain> to Uptime Kuma'),
            toPods({ namespace: SIGN_IN.namespace, labels: SIGN_IN_PODS }, tcp(SIGN_IN.port), "asks the sign-in about each request to a login's hosts (ForwardAuth), and routes auth.<domain>/oauth2 to it"),
          ],
        },
      },
    });
  }
}

/** The Secret with the CA of the zone's origin-pull certificate (`ca.crt`, as Traefik's clientAuth reads it). */
export const ORIGIN_PULL_CA = { secretName: 'origin-pull-ca', infisicalPath: '/platform/traefik', infisicalKey: 'ORIGIN_PULL_CA' } as const;

/** The origin-pull CA, from Infisical /platform/traefik into the Secret Traefik's default TLSOption names. */
class OriginPullCa extends Construct {
  readonly secretName = ORIGIN_PULL_CA.secretName;

  constructor(scope: Construct, cluster: ClusterConfig) {
    super(scope, 'origin-pull-ca');
    new InfisicalSecretStore(this, 'store', { cluster, namespace: TRAEFIK_NAMESPACE, secretsPath: ORIGIN_PULL_CA.infisicalPath });
    new InfisicalSecret(this, 'secret', {
      cluster,
      namespace: TRAEFIK_NAMESPACE,
      secretName: ORIGIN_PULL_CA.secretName,
      keys: { [ORIGIN_PULL_CA.infisicalKey]: ORIGIN_PULL_CA.infisicalKey },
      template: { 'ca.crt': `{{ .${ORIGIN_PULL_CA.infisicalKey} }}` },
    });
  }
}
