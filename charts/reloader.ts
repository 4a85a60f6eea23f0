import type { App } from 'cdk8s';
import { CHARTS } from '../config/versions';
import { HelmRelease } from '../lib/constructs/helm-release';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { resources } from '../lib/constructs/resources';
import { PlatformChart } from '../lib/render';


/**
 * Stakater Reloader: when External Secrets refreshes an app's Secret from Infisical, the app's
 * Deployment rolls, so a rotated secret reaches the pods without a manual restart.
 */
export class ReloaderChart extends PlatformChart {
  constructor(scope: App) {
    super(scope, 'reloader');
    const namespace = new PlatformNamespace(this, 'reloader', { podSecurity: 'restricted' }).name;
    new HelmRelease(this, 'reloader', {
      chart: CHARTS.reloader,
      targetNamespace: namespace,
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
  }
}
