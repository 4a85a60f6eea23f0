/*
 * The composition root: the cluster config, every platform chart and every app, put together into
 * the cdk8s app that renders dist/. Charts and apps build on lib/; lib/ never imports a chart.
 */
import { App } from 'cdk8s';
import { CertManagerChart } from './charts/cert-manager';
import { CloudNativePgChart } from './charts/cloudnative-pg';
import { ClusterAutoscalerChart } from './charts/cluster-autoscaler';
import { ExternalSecretsChart } from './charts/external-secrets';
import { MonitoringChart } from './charts/monitoring';
import { ReloaderChart } from './charts/reloader';
import { RestoreDrillsChart } from './charts/restore-drills';
import { SignInChart } from './charts/sign-in';
import { TailscaleChart } from './charts/tailscale';
import { TraefikChart } from './charts/traefik';
import { UPTIME_KUMA, UptimeKumaChart } from './charts/uptime-kuma';
import { VolSyncChart } from './charts/volsync';
import { loadApps, type AppSource, type AppSpec } from './lib/app-spec';
import type { ClusterConfig } from './lib/config';
import { AppChart, appChartName } from './lib/constructs/app-chart';
import { platformHosts } from './lib/hosts';
import { writeTreeAtomically } from './lib/output';
import { readPreviousStorage } from './lib/previous-dist';
import { renderFiles } from './lib/render';
import { refuseSecrets } from './lib/secret-scan';
import { derivedNameProblems } from './lib/spec/derived-names';
import { refuseUnknownRestoreSources } from './lib/spec/restore-sources';
import { loginGroups } from './lib/spec/login';
import { deployedStorage, NOTHING_DEPLOYED, storageShrinkErrors, type DeployedStorage } from './lib/spec/storage-shrink';
import { SpecError } from './lib/validation';

export interface PlatformInput {
  readonly cluster: ClusterConfig;
  /** App files, normally `appSources` from `virtual:apps`. */
  readonly appSources: readonly AppSource[];
  /** What the previous dist/ gave the storage: nothing may shrink (synth reads it from dist/). */
  readonly deployed?: DeployedStorage;
}

/** Builds the cdk8s app: every platform component, then one chart per app. Validates apps first. */
export function buildPlatform({ cluster, appSources, deployed = NOTHING_DEPLOYED }: PlatformInput): { app: App; apps: AppSpec[] } {
  const apps = loadApps(appSources, cluster, platformHosts(cluster));
  const shrinking = storageShrinkErrors(apps, deployed);
  if (shrinking.length) throw shrinking[0];
  const app = new App();
  // One entry point serves every app: it waits as long as the slowest upload any app allows.
  const timeouts = apps.flatMap((a) => (a.http?.requestTimeoutSeconds ? [a.http.requestTimeoutSeconds] : []));
  new TraefikChart(app, cluster, timeouts.length ? Math.max(...timeouts) : undefined);
  new CertManagerChart(app, cluster);
  new ExternalSecretsChart(app, cluster);
  new ReloaderChart(app, cluster);
  new ClusterAutoscalerChart(app, cluster);
  new MonitoringChart(app, cluster);
  // Every login the sign-in keeps, by the namespace whose Ingresses it guards.
  new SignInChart(app, cluster, [
    ...apps.flatMap((a) => (a.login ? [{ namespace: a.name, login: a.login }] : [])),
    ...(cluster.adminLogin ? [{ namespace: UPTIME_KUMA.namespace, login: loginGroups(cluster.adminLogin) }] : []),
  ]);
  new UptimeKumaChart(app, cluster);
  new TailscaleChart(app, cluster, apps.some((a) => a.tailnet));
  new CloudNativePgChart(app, cluster);
  new VolSyncChart(app, cluster);
  new RestoreDrillsChart(app, cluster, apps);
  for (const spec of apps) new AppChart(app, spec, cluster);
  return { app, apps };
}

/** The whole of dist/ as `{ 'phase/file.yaml': text }`. Throws before anything is written. */
export function renderPlatform(input: PlatformInput): { files: Map<string, string>; apps: AppSpec[] } {
  const { app, apps } = buildPlatform(input);
  const byChart = new Map(apps.map((a) => [appChartName(a.name), a]));
  // The names each app's objects really got, against each other and what the operators derive.
  const files = renderFiles(app, (chart, manifests) => {
    const spec = chart.role === 'app' ? byChart.get(chart.fileName) : undefined;
    const problems = spec ? derivedNameProblems(spec, manifests) : [];
    if (problems.length) throw new SpecError(spec!.file, problems);
  });
  return { files, apps };
}

export interface SynthInput {
  readonly cluster: ClusterConfig;
  readonly appSources: readonly AppSource[];
  /** The folder replaced with the rendered tree (normally dist/). */
  readonly outdir: string;
  /** The repository root: where `.secretlintrc.json` is. */
  readonly root: string;
}

/**
 * What `npm run synth` does once config and apps are loaded: render (refusing storage smaller than
 * the dist/ it replaces gave), refuse a restore from a Cluster that dist/ never had, refuse
 * secret-looking values, then swap the tree in. Every check runs before the first write, so a failure leaves `outdir` as it was.
 */
export async function synthesize({ cluster, appSources, outdir, root }: SynthInput): Promise<Map<string, string>> {
  // The dist/ about to be replaced is the state the cluster was last given: storage never shrinks
  // below it, and a restore must name a Cluster it had (or this render has).
  const previous = readPreviousStorage(outdir);
  const { files, apps } = renderPlatform({ cluster, appSources, deployed: deployedStorage(previous) });
  refuseUnknownRestoreSources(apps, previous, cluster.backups.generation);
  await refuseSecrets(files, apps, root);
  writeTreeAtomically(outdir, files);
  return files;
}
