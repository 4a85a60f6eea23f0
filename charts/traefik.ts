import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import { CLOUDFLARE_RANGES } from '../lib/cloudflare';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

export const TRAEFIK_NAMESPACE = 'traefik';
/** Secret of the wildcard certificate (issued by CertManagerChart): Traefik's default certificate. */
export const WILDCARD_CERT_SECRET = 'wildcard-tls';

/**
 * Traefik, self-hosted (the bootstrap removes Civo's bundled one): a DaemonSet behind a Civo load
 * balancer on the reserved IP, trusting client-IP headers only from Cloudflare's edge.
 */
export class TraefikChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'traefik');
    new PlatformNamespace(this, TRAEFIK_NAMESPACE, { podSecurity: 'restricted' });

    // Only Cloudflare may tell Traefik who the client is; anyone else's X-Forwarded-For is dropped.
    const trusted = { forwardedHeaders: { trustedIPs: [...CLOUDFLARE_RANGES] }, proxyProtocol: { trustedIPs: [...CLOUDFLARE_RANGES] } };
    new HelmRelease(this, 'traefik', {
      chart: CHARTS.traefik,
      targetNamespace: TRAEFIK_NAMESPACE,
      crdGroups: ['traefik.io'],
      values: {
        deployment: { kind: 'DaemonSet' },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        service: {
          // Civo's cloud controller binds the load balancer to this reserved IP (created by the bootstrap).
          annotations: {
            'kubernetes.civo.com/ipv4-address': cluster.loadBalancer.reservedIp,
            ...(cluster.loadBalancer.firewallId && { 'kubernetes.civo.com/firewall-id': cluster.loadBalancer.firewallId }),
          },
          spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
        },
        ports: {
          web: {
            exposedPort: 80,
            http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } },
            ...trusted,
          },
          websecure: { exposedPort: 443, http: { tls: { enabled: true } }, ...trusted },
        },
        tlsStore: { default: { defaultCertificate: { secretName: WILDCARD_CERT_SECRET } } },
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
    });
  }
}
