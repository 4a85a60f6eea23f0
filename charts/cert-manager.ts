import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { fromApiServer, PlatformNetwork, tcp, toAddresses, toApiServer, toInternet, udp } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';
import { PLATFORM_NAMESPACES, TRAEFIK_NAMESPACE, WILDCARD_CERT_SECRET } from '../lib/platform-contracts';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy } from '../imports/certificates-cert-manager.io';
import { ClusterIssuer } from '../imports/clusterissuers-cert-manager.io';

export const CERT_MANAGER_NAMESPACE = PLATFORM_NAMESPACES.certManager;
export const CLOUDFLARE_TOKEN_SECRET = { name: 'cloudflare-api-token', key: 'api-token' } as const;

/** Cloudflare's public resolvers: DNS-01 propagation is checked against them (`dns01RecursiveNameservers`). */
export const CLOUDFLARE_RESOLVERS = ['1.1.1.1', '1.0.0.1'] as const;

export const ACME_SERVERS = {
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
  'letsencrypt-prod': 'https://acme-v02.api.letsencrypt.org/directory',
} as const;

/**
 * cert-manager with its CRDs; Let's Encrypt issuers solving DNS-01 through Cloudflare (so the
 * wildcard works and nothing needs port 80); one wildcard certificate for the domain and its apex.
 */
export class CertManagerChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'cert-manager');
    const namespace = new PlatformNamespace(this, CERT_MANAGER_NAMESPACE, { podSecurity: 'restricted' }).name;

    new HelmRelease(this, 'cert-manager', {
      chart: CHARTS.certManager,
      targetNamespace: namespace,
      crdGroups: ['cert-manager.io', 'acme.cert-manager.io'],
      webhookDeployments: ['cert-manager-webhook'],
      // Named after the release (besides the webhook above); startupapicheck is a hook Job.
      workloads: ['deployment/cert-manager', 'deployment/cert-manager-cainjector'],
      values: {
        crds: { enabled: true, keep: true },
        // Check DNS-01 propagation against Cloudflare itself, not a cluster resolver's cache.
        dns01RecursiveNameservers: CLOUDFLARE_RESOLVERS.map((address) => `${address}:53`).join(','),
        dns01RecursiveNameserversOnly: true,
        resources: resources('20m', '64Mi', { memory: '192Mi' }),
        webhook: { resources: resources('10m', '32Mi', { memory: '96Mi' }) },
        cainjector: { resources: resources('10m', '64Mi', { memory: '192Mi' }) },
        startupapicheck: { resources: resources('10m', '32Mi', { memory: '64Mi' }) },
      },
    });

    // The chart's pods, by the labels cert-manager v1.21 gives them (name, instance, component).
    const pods = (name: string, component: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': component });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        controller: {
          pods: pods('cert-manager', 'controller'),
          doors: [
            toApiServer('reconciles Certificates, Orders and Challenges, and writes the certificates\' Secrets'),
            toInternet(tcp(443), "orders certificates from Let's Encrypt (ACME) and writes DNS-01 records through the Cloudflare API"),
            toAddresses(CLOUDFLARE_RESOLVERS, [...udp(53), ...tcp(53)], 'checks that a DNS-01 record has propagated by asking Cloudflare\'s resolvers (dns01RecursiveNameservers)'),
          ],
        },
        webhook: {
          pods: pods('webhook', 'webhook'),
          doors: [
            fromApiServer(tcp(10250), 'the API server calls the admission webhook (the chart\'s webhook.securePort) for every cert-manager object'),
            toApiServer('keeps the CA of its serving certificate in a Secret (cert-manager-webhook-ca), which it reads and renews'),
          ],
        },
        cainjector: {
          pods: pods('cainjector', 'cainjector'),
          doors: [toApiServer('writes the webhook\'s CA into the webhook configurations and CRDs')],
        },
        // The chart's post-install hook Job, which waits until the webhook answers.
        startupapicheck: {
          pods: pods('startupapicheck', 'startupapicheck'),
          doors: [toApiServer('creates a Certificate in dry-run, which the API server admits only once the webhook answers')],
        },
      },
    });

    // The Cloudflare token (Zone:DNS:Edit on the zone) lives in Infisical at /platform/cert-manager.
    new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: '/platform/cert-manager' });
    new InfisicalSecret(this, 'cloudflare-token', {
      cluster,
      namespace,
      secretName: CLOUDFLARE_TOKEN_SECRET.name,
      keys: { [CLOUDFLARE_TOKEN_SECRET.key]: 'CLOUDFLARE_API_TOKEN' },
    });

    for (const [name, server] of Object.entries(ACME_SERVERS)) {
      new ClusterIssuer(this, name, {
        metadata: { name },
        spec: {
          acme: {
            server,
            email: cluster.acmeEmail,
            privateKeySecretRef: { name: `${name}-account-key` },
            solvers: [
              {
                selector: { dnsZones: [cluster.domain] },
                dns01: { cloudflare: { apiTokenSecretRef: { name: CLOUDFLARE_TOKEN_SECRET.name, key: CLOUDFLARE_TOKEN_SECRET.key } } },
              },
            ],
          },
        },
      });
    }

    new Certificate(this, 'wildcard', {
      metadata: { name: 'wildcard', namespace: TRAEFIK_NAMESPACE },
      spec: {
        secretName: WILDCARD_CERT_SECRET,
        dnsNames: [cluster.domain, `*.${cluster.domain}`],
        issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
      },
    });
  }
}
