import type { App } from 'cdk8s';
import { backedUpVolumes, hasBackups } from '../backup-owners';
import type { ClusterConfig } from '../config';
import { AFTER_JOBS_LABEL, AFTER_RECOVERY_LABEL, PlatformChart } from '../render';
import { processesOf, type AppSpec } from '../spec/types';
import { RESTRICTED_CAPABILITIES } from '../spec/workload';
import { podSecurityReason } from '../spec/bounds';
import { AdminOnly } from './admin-only';
import { AppLimits } from './app-limits';
import { AppNetworkPolicy, doorsPerProcess } from './app-network';
import { addUsage, BackupSecretStore, noUsage } from './backups';
import { AppCache } from './cache';
import { AppComponent } from './component';
import { AppDatabase, databaseUsage } from './database';
import { InfisicalSecret, InfisicalSecretStore } from './infisical';
import { HttpLimits } from './http-limits';
import { HttpsIngress } from './ingress';
import { LoginGate } from './login';
import { TailnetIngress } from './tailnet-ingress';
import { AppCronJob, AppJob } from './job';
import { PlatformNamespace } from './namespace';
import type { AppContext } from './pod';
import { VolumeBackup, volumeBackupUsage } from './volume-backup';
import { AppVolumes } from './volumes';

/*
 * One app: its namespace (Pod Security restricted unless a process opts out, with the reasons shown)
 * with quota and limit range, Infisical secrets scoped to /apps/<name>, its database, cache and
 * volume backups, its components, one-off jobs and cron jobs, the network policies, and one Ingress
 * that routes the web components' paths: Traefik's for public hosts, the Tailscale operator's for a
 * tailnet-only app.
 */
/** The chart (and file) name of an app's objects in each phase folder. */
export const appChartName = (app: string) => `app-${app}`;

export class AppChart extends PlatformChart {
  constructor(scope: App, spec: AppSpec, cluster: ClusterConfig) {
    super(scope, appChartName(spec.name), 'app');
    const namespace = spec.name;
    const processes = processesOf(spec);
    const insecure = processes.filter((p) => p.insecure);
    const baseline = insecure.some((p) => p.insecure!.runAsRoot || (p.insecure!.capabilities ?? []).some((c) => !RESTRICTED_CAPABILITIES.includes(c)));
    new PlatformNamespace(this, namespace, {
      podSecurity: baseline ? 'baseline' : 'restricted',
      // Bounded by lib/spec/bounds.ts to what the API server holds in annotations.
      reason: podSecurityReason(spec),
      labels: { 'app.kubernetes.io/part-of': spec.name },
    });

    const backedUp = backedUpVolumes(spec);
    const extra = [spec.database ? databaseUsage(spec.database) : noUsage(), ...backedUp.map((v) => volumeBackupUsage(v, cluster.backups.recover))].reduce(addUsage, noUsage());
    new AppLimits(this, 'limits', { namespace, app: spec, extra });
    if (hasBackups(spec)) new BackupSecretStore(this, 'backup-store', { cluster, app: spec.name, namespace });
    if (spec.database) new AppDatabase(this, 'database', { app: spec.name, namespace, db: spec.database, cluster });
    for (const v of backedUp) new VolumeBackup(this, `volume-backup:${v.owner}:${v.claim}`, { app: spec.name, namespace, volume: v, cluster });
    if (spec.cache) new AppCache(this, 'cache', { app: spec.name, namespace, cache: spec.cache });

    const secretName = `${spec.name}-secrets`;
    if (processes.some((p) => p.secrets)) {
      // The store can read only this app's folder: another app's secrets are out of its reach.
      new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: `/apps/${spec.name}` });
      new InfisicalSecret(this, 'secrets', { cluster, namespace, secretName });
    }

    const ctx: AppContext = {
      app: spec.name,
      volumes: new AppVolumes(this, 'volumes', spec, namespace),
      namespace,
      secretName,
      database: spec.database,
      cache: spec.cache,
      routedLabel: doorsPerProcess(spec),
      rolloutLabels: {
        ...(spec.jobs.length ? { [AFTER_JOBS_LABEL]: 'true' } : {}),
        // Recover mode: nothing of the app starts before its database and volumes are back.
        ...(cluster.backups.recover && hasBackups(spec) ? { [AFTER_RECOVERY_LABEL]: 'true' } : {}),
      },
      sharedOwners: new Set(processes.flatMap((p) => p.mounts.filter((m) => m.owner !== p.name).map((m) => m.owner))),
    };
    // Construct ids of their own kind: a process named like one of the chart's parts (an app called
    // `network`, `limits` or `volumes`) is no clash of ids.
    for (const c of spec.components) new AppComponent(this, `component:${c.name}`, c, ctx);
    for (const j of spec.jobs) new AppJob(this, `job:${j.name}`, j, ctx);
    for (const j of spec.cronJobs) new AppCronJob(this, `cron-job:${j.name}`, j, ctx);
    new AppNetworkPolicy(this, 'network', spec, namespace);

    const web = spec.components.filter((c) => c.kind === 'web');
    const routes = () => [...web].sort((a, b) => b.path.length - a.path.length).map((c) => ({ path: c.path, service: c.name, port: c.port! }));
    if (spec.tailnet) new TailnetIngress(this, 'ingress', { name: spec.name, namespace, machine: spec.tailnet.machine, routes: routes() });
    if (spec.hosts.length > 0) {
      const adminOnly = spec.private ? new AdminOnly(this, 'admin-only', { cluster, namespace }) : undefined;
      const login = spec.login ? new LoginGate(this, 'login', { namespace, login: spec.login }) : undefined;
      const limits = spec.http?.maxBodyBytes ? new HttpLimits(this, 'http-limits', { namespace, maxBodyBytes: spec.http.maxBodyBytes }) : undefined;
      // The allowlist first: a request from elsewhere gets 403 without a round trip to the sign-in.
      const middlewares = [adminOnly?.reference, login?.reference, limits?.reference].filter((m): m is string => m !== undefined);
      new HttpsIngress(this, 'ingress', {
        name: spec.name,
        namespace,
        hosts: spec.hosts,
        routes: routes(),
        middlewares: middlewares.length ? middlewares : undefined,
      });
    }
  }
}
