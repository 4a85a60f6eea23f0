import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { PLATFORM_NAMESPACES } from '../lib/platform-contracts';
import { PlatformNetwork, toApiServer } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';


/**
 * Stakater Reloader: when External Secrets refreshes an app's Secret from Infisical, the app's
 * Deployment rolls, so a rotated secret reaches the pods without a manual restart.
 */
export class ReloaderChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
    super(scope, 'reloader');
    const namespace = new PlatformNamespace(this, PLATFORM_NAMESPACES.reloader, { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'reloader', {
      chart: CHARTS.reloader,
      targetNamespace: namespace,
      // `<release>-reloader`: the chart always prefixes the release name.
      workloads: ['deployment/reloader-reloader'],
      values: {
        reloader: {
          watchGlobally: true,
          readOnlyRootFileSystem: true,
          deployment: {
            resources: resources('10m', '64Mi', { memory: '128Mi' }),
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        },
      },
    });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        // The labels reloader 2.2 gives its pods (name, instance).
        reloader: {
          pods: { 'app.kubernetes.io/name': 'reloader', 'app.kubernetes.io/instance': 'reloader' },
          doors: [toApiServer('watches Secrets and ConfigMaps, and rolls the Deployments that name them')],
        },
      },
    });
  }
}
