import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import { scrapeAnnotations, VOLSYNC_NAMESPACE } from '../lib/constructs/backups';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/**
 * VolSync: scheduled restic copies of app volumes to the backup bucket (lib/constructs/volume-backup.ts).
 * Movers run unprivileged in the app's namespace, as the app's user. The controller's metrics
 * (`volsync_volume_out_of_sync`, the backup alerts) are scraped through pod annotations.
 */
export class VolSyncChart extends PlatformChart {
  constructor(scope: App) {
    super(scope, 'volsync');
    const namespace = new PlatformNamespace(this, VOLSYNC_NAMESPACE, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'volsync', {
      chart: CHARTS.volsync,
      targetNamespace: namespace,
      crdGroups: ['volsync.backube'],
      values: {
        manageCRDs: true,
        // Metrics without a bearer token (TLS stays), so Alloy's annotation autodiscovery can read them.
        metrics: { disableAuth: true },
        podAnnotations: scrapeAnnotations(8443, 'https'),
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        resources: resources('20m', '64Mi', { memory: '256Mi' }),
      },
    });
  }
}
