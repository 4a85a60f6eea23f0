import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { MONITORING_NAMESPACE, scrapeAnnotations, VOLSYNC_NAMESPACE } from '../lib/constructs/backups';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { fromPods, PlatformNetwork, tcp, toApiServer } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';

/** Where the controller serves its metrics (TLS), which Alloy scrapes. */
export const VOLSYNC_METRICS_PORT = 8443;

/**
 * VolSync: scheduled restic copies of app volumes to the backup bucket (lib/constructs/volume-backup.ts).
 * Movers run unprivileged in the app's namespace, as the app's user. The controller's metrics
 * (`volsync_volume_out_of_sync`, the backup alerts) are scraped through pod annotations.
 */
export class VolSyncChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'volsync');
    const namespace = new PlatformNamespace(this, VOLSYNC_NAMESPACE, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'volsync', {
      chart: CHARTS.volsync,
      targetNamespace: namespace,
      crdGroups: ['volsync.backube'],
      // Named after the release; it serves no admission webhook.
      workloads: ['deployment/volsync'],
      values: {
        manageCRDs: true,
        // Metrics without a bearer token (TLS stays), so Alloy's annotation autodiscovery can read them.
        metrics: { disableAuth: true },
        podAnnotations: scrapeAnnotations(VOLSYNC_METRICS_PORT, 'https'),
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        resources: resources('20m', '64Mi', { memory: '256Mi' }),
      },
    });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        // The labels volsync 0.16 gives the controller's pods (name, instance).
        controller: {
          pods: { 'app.kubernetes.io/name': 'volsync', 'app.kubernetes.io/instance': 'volsync' },
          doors: [
            toApiServer('reconciles ReplicationSources and Destinations: starts mover Jobs in the apps\' namespaces, snapshots volumes'),
            // The whole namespace: only its collector's own policy lets a pod there out to this port.
            fromPods({ namespace: MONITORING_NAMESPACE }, tcp(VOLSYNC_METRICS_PORT), 'Alloy scrapes the controller\'s metrics (the backup alerts read volsync_volume_out_of_sync)'),
          ],
        },
      },
    });
  }
}
