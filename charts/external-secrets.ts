import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { PLATFORM_NAMESPACES } from '../lib/platform-contracts';
import { fromApiServer, PlatformNetwork, tcp, toApiServer, toInternet } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/**
 * External Secrets Operator with its CRDs. Stores are per namespace (InfisicalSecretStore), each
 * scoped to one Infisical folder, so no ClusterSecretStore can hand one app another's secrets.
 */
export class ExternalSecretsChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'external-secrets');
    const namespace = new PlatformNamespace(this, PLATFORM_NAMESPACES.externalSecrets, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'external-secrets', {
      chart: CHARTS.externalSecrets,
      targetNamespace: namespace,
      crdGroups: ['external-secrets.io', 'generators.external-secrets.io'],
      webhookDeployments: ['external-secrets-webhook'],
      // Named after the release (besides the webhook above); the cert controller renews the webhook's certificate.
      workloads: ['deployment/external-secrets', 'deployment/external-secrets-cert-controller'],
      values: {
        installCRDs: true,
        resources: resources('20m', '64Mi', { memory: '256Mi' }),
        webhook: { resources: resources('10m', '32Mi', { memory: '128Mi' }) },
        certController: { resources: resources('10m', '32Mi', { memory: '128Mi' }) },
      },
    });
    // The chart's pods, by the labels external-secrets 2.9 gives them (name, instance).
    const pods = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'external-secrets' });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        controller: {
          pods: pods('external-secrets'),
          doors: [
            toApiServer('reads SecretStores and ExternalSecrets, and writes the Secrets they make'),
            toInternet(tcp(443), `reads secrets from Infisical (${new URL(cluster.infisical.hostApi).host})`),
          ],
        },
        webhook: {
          pods: pods('external-secrets-webhook'),
          doors: [
            fromApiServer(tcp(10250), 'the API server calls the admission webhook (the chart\'s webhook.port) for SecretStores and ExternalSecrets'),
            toApiServer('reads its serving certificate, which the cert controller keeps in a Secret'),
          ],
        },
        'cert-controller': {
          pods: pods('external-secrets-cert-controller'),
          doors: [toApiServer("keeps the webhook's certificate in a Secret and its CA in the webhook configuration and CRDs")],
        },
      },
    });
  }
}
