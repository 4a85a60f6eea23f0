import { App } from 'cdk8s';
import { CertManagerChart } from '../charts/cert-manager';
import { CloudNativePgChart } from '../charts/cloudnative-pg';
import { ClusterAutoscalerChart } from '../charts/cluster-autoscaler';
import { ExternalSecretsChart } from '../charts/external-secrets';
import { MonitoringChart } from '../charts/monitoring';
import { ReloaderChart } from '../charts/reloader';
import { TailscaleChart } from '../charts/tailscale';
import { TraefikChart } from '../charts/traefik';
import { UptimeKumaChart } from '../charts/uptime-kuma';
import { VolSyncChart } from '../charts/volsync';
import { loadApps, type AppSource, type AppSpec } from './app-spec';
import type { ClusterConfig } from './config';
import { AppChart } from './constructs/web-app';
import { platformHosts } from './hosts';
import { renderFiles } from './render';

export interface PlatformInput {
  readonly cluster: ClusterConfig;
  /** App files, normally `appSources` from `virtual:apps`. */
  readonly appSources: readonly AppSource[];
}

/** Builds the cdk8s app: every platform component, then one chart per app. Validates apps first. */
export function buildPlatform({ cluster, appSources }: PlatformInput): { app: App; apps: AppSpec[] } {
  const apps = loadApps(appSources, cluster, platformHosts(cluster));
  const app = new App();
  new TraefikChart(app, cluster);
  new CertManagerChart(app, cluster);
  new ExternalSecretsChart(app);
  new ReloaderChart(app);
  new ClusterAutoscalerChart(app, cluster);
  new MonitoringChart(app, cluster);
  new UptimeKumaChart(app, cluster);
  new TailscaleChart(app, cluster);
  new CloudNativePgChart(app);
  new VolSyncChart(app);
  for (const spec of apps) new AppChart(app, spec, cluster);
  return { app, apps };
}

/** The whole of dist/ as `{ 'phase/file.yaml': text }`. Throws before anything is written. */
export function renderPlatform(input: PlatformInput): { files: Map<string, string>; apps: AppSpec[] } {
  const { app, apps } = buildPlatform(input);
  return { files: renderFiles(app), apps };
}
