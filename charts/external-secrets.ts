import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/**
 * External Secrets Operator with its CRDs. Stores are per namespace (InfisicalSecretStore), each
 * scoped to one Infisical folder, so no ClusterSecretStore can hand one app another's secrets.
 */
export class ExternalSecretsChart extends PlatformChart {
  constructor(scope: App) {
    super(scope, 'external-secrets');
    const namespace = new PlatformNamespace(this, 'external-secrets', { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'external-secrets', {
      chart: CHARTS.externalSecrets,
      targetNamespace: namespace,
      crdGroups: ['external-secrets.io', 'generators.external-secrets.io'],
      webhookDeployments: ['external-secrets-webhook'],
      values: {
        installCRDs: true,
        resources: resources('20m', '64Mi', { memory: '256Mi' }),
        webhook: { resources: resources('10m', '32Mi', { memory: '128Mi' }) },
        certController: { resources: resources('10m', '32Mi', { memory: '128Mi' }) },
      },
    });
  }
}
