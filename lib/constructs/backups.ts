import { Construct } from 'constructs';
import { backupBucket, backupEndpoint, type ClusterConfig } from '../config';
import { InfisicalSecret, InfisicalSecretStore } from './infisical';
import { PLATFORM_NAMESPACES } from '../platform-contracts';

/*
 * What database and volume backups share: the app's own bucket and its layout, the per-app Infisical
 * folder with that bucket's credentials, the operators' namespaces, and the scrape annotations the
 * alerts rely on. Charts read these constants (a chart may import the library, never the reverse).
 *
 * "App" here is a backup owner: an app, or a platform namespace whose volume is backed up like an
 * app's (listed in lib/backup-owners.ts, so that the bootstrap creates its bucket and token).
 */

/** Where the CloudNativePG operator and its Barman Cloud plugin run (the plugin must share the operator's namespace). */
export const CNPG_NAMESPACE = PLATFORM_NAMESPACES.cloudnativePg;
/** Where the VolSync operator runs; its movers run in the app's namespace. */
export const VOLSYNC_NAMESPACE = PLATFORM_NAMESPACES.volsync;
/** The namespace of the Grafana k8s-monitoring collectors (charts/monitoring.ts). */
export const MONITORING_NAMESPACE = PLATFORM_NAMESPACES.monitoring;
/** The CNPG-I plugin name of Barman Cloud. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * Pod annotations Alloy's annotation autodiscovery (k8s-monitoring `annotationAutodiscovery`)
 * scrapes; the backup alerts (lib/alerts.ts) read the metrics it collects this way.
 */
export function scrapeAnnotations(port: number, scheme: 'http' | 'https' = 'http'): Record<string, string> {
  return {
    'k8s.grafana.com/scrape': 'true',
    'k8s.grafana.com/metrics.portNumber': String(port),
    ...(scheme === 'https' ? { 'k8s.grafana.com/metrics.scheme': 'https' } : {}),
  };
}

/** The Infisical folder with the keys of an app's bucket (the bootstrap's output `backup_credentials`). */
export const backupsPath = (app: string) => `/backups/${app}`;

/** Infisical keys in /backups/<app>. */
export const BACKUP_KEYS = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  resticPassword: 'RESTIC_PASSWORD',
} as const;

/**
 * Where an app's backups go: its own bucket, which its keys (and no other app's) can reach.
 * Databases under db/<cluster>/, volumes under volumes/<component>/; `s3` is the bucket's URL as
 * Barman Cloud reads it, `restic` as restic does.
 */
export function backupLocation(cluster: ClusterConfig, app: string): { bucket: string; s3: string; restic: string } {
  const bucket = backupBucket(cluster, app);
  return { bucket, s3: `s3://${bucket}`, restic: `s3:${backupEndpoint(cluster)}/${bucket}` };
}

/**
 * The app's second SecretStore: it reads only /backups/<app>, so the app's own store (/apps/<app>,
 * every key of which becomes an environment variable) never sees the bucket credentials.
 */
export class BackupSecretStore extends Construct {
  static readonly NAME = 'infisical-backups';

  constructor(scope: Construct, id: string, props: { cluster: ClusterConfig; app: string; namespace: string }) {
    super(scope, id);
    new InfisicalSecretStore(this, 'store', { cluster: props.cluster, namespace: props.namespace, secretsPath: backupsPath(props.app), name: BackupSecretStore.NAME });
  }

  /** An ExternalSecret from /backups/<app>. */
  static secret(scope: Construct, id: string, props: { cluster: ClusterConfig; namespace: string; secretName: string; keys: Record<string, string>; template?: Record<string, string> }): InfisicalSecret {
    return new InfisicalSecret(scope, id, { ...props, storeName: BackupSecretStore.NAME });
  }
}

/** Pod resources as the quota counts them (millicores, MiB). */
export interface ExtraUsage {
  readonly pods: number;
  readonly cpuRequest: number;
  readonly memoryRequest: number;
  readonly cpuLimit: number;
  readonly memoryLimit: number;
  readonly pvcs: number;
  readonly storage: number;
}

export const noUsage = (): ExtraUsage => ({ pods: 0, cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, pvcs: 0, storage: 0 });

export function addUsage(a: ExtraUsage, b: ExtraUsage): ExtraUsage {
  return {
    pods: a.pods + b.pods,
    cpuRequest: a.cpuRequest + b.cpuRequest,
    memoryRequest: a.memoryRequest + b.memoryRequest,
    cpuLimit: a.cpuLimit + b.cpuLimit,
    memoryLimit: a.memoryLimit + b.memoryLimit,
    pvcs: a.pvcs + b.pvcs,
    storage: a.storage + b.storage,
  };
}
