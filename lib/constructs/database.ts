import { k8s } from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { IMAGES, imageRef } from '../../config/versions';
import { Cluster, ClusterSpecResourcesLimits, ClusterSpecResourcesRequests } from '../../imports/clusters-postgresql.cnpg.io';
import { ObjectStore, ObjectStoreSpecConfigurationDataCompression, ObjectStoreSpecConfigurationWalCompression, ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits, ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests } from '../../imports/objectstores-barmancloud.cnpg.io';
import { ScheduledBackup, ScheduledBackupSpecBackupOwnerReference, ScheduledBackupSpecMethod } from '../../imports/scheduledbackups-postgresql.cnpg.io';
import type { DatabaseSpec } from '../app-spec';
import { backupEndpoint, type ClusterConfig } from '../config';
import { cpuMillis, memoryMiB } from '../quantity';
import { recoveryLabels } from './recovery';
import { BACKUP_KEYS, BARMAN_CLOUD_PLUGIN, backupLocation, BackupSecretStore, CNPG_NAMESPACE, MONITORING_NAMESPACE, scrapeAnnotations, type ExtraUsage } from './backups';

/*
 * An app's PostgreSQL: a CloudNativePG Cluster in the app's namespace, its WAL archived continuously
 * and a base backup taken on the cluster's schedule, both through the Barman Cloud plugin to
 * s3://<prefix>-<app>/db/<cluster>/, the app's own bucket (its keys from Infisical /backups/<app>); and a NetworkPolicy
 * that admits the app, the operator, the Cluster's own instances and the metrics collector only.
 */

/** The Secret CloudNativePG generates for the app user; its `uri` key is a complete connection URL. */
export const appSecretName = (db: DatabaseSpec) => `${db.name}-app`;
export const DATABASE_URL_KEY = 'uri';
/** Label CloudNativePG puts on every pod of a Cluster (instances and its Jobs). */
export const CLUSTER_LABEL = 'cnpg.io/cluster';
export const POSTGRES_PORT = 5432;
/** Pods of the app's processes that read the credentials (`databaseEnv`): the only ones the database admits. */
export const DATABASE_CLIENT_LABEL = 'hobby-infra.dev/database-client';
/** The instance manager's status port, which the operator calls. */
export const INSTANCE_STATUS_PORT = 8000;
/** The instance manager's Prometheus exporter (CloudNativePG and the Barman Cloud plugin's metrics). */
export const METRICS_PORT = 9187;

/** The Barman Cloud sidecar the plugin injects into each instance (and recovery Job) pod. */
export const BACKUP_SIDECAR_RESOURCES = { requests: { cpu: '20m', memory: '96Mi' }, limits: { cpu: '500m', memory: '384Mi' } } as const;

/** The ObjectStore (bucket, path, credentials) every Cluster of the app archives to and restores from. */
export const objectStoreName = (app: string) => `${app}-db-backups`;
const credentialsSecret = (app: string) => `${app}-db-backup-credentials`;

/**
 * What a database may hold in its namespace's quota: each instance pod (PostgreSQL plus the backup
 * sidecar), one more for the Job that creates or joins an instance, and one volume per instance.
 */
export function databaseUsage(db: DatabaseSpec): ExtraUsage {
  const pods = db.instances + 1;
  const r = db.resources;
  const s = BACKUP_SIDECAR_RESOURCES;
  return {
    pods,
    cpuRequest: pods * (cpuMillis(r.requests.cpu) + cpuMillis(s.requests.cpu)),
    memoryRequest: pods * (memoryMiB(r.requests.memory) + memoryMiB(s.requests.memory)),
    cpuLimit: pods * (cpuMillis(r.limits.cpu) + cpuMillis(s.limits.cpu)),
    memoryLimit: pods * (memoryMiB(r.limits.memory) + memoryMiB(s.limits.memory)),
    pvcs: db.instances,
    storage: db.instances * memoryMiB(db.size),
  };
}

export interface AppDatabaseProps {
  readonly app: string;
  readonly namespace: string;
  readonly db: DatabaseSpec;
  readonly cluster: ClusterConfig;
}

export class AppDatabase extends Construct {
  constructor(scope: Construct, id: string, { app, namespace, db, cluster }: AppDatabaseProps) {
    super(scope, id);
    const secretName = credentialsSecret(app);
    BackupSecretStore.secret(this, 'credentials', {
      cluster,
      namespace,
      secretName,
      keys: { [BACKUP_KEYS.accessKeyId]: BACKUP_KEYS.accessKeyId, [BACKUP_KEYS.secretAccessKey]: BACKUP_KEYS.secretAccessKey },
    });

    const store = objectStoreName(app);
    const sidecar = BACKUP_SIDECAR_RESOURCES;
    new ObjectStore(this, 'object-store', {
      metadata: { name: store, namespace },
      spec: {
        configuration: {
          // Each Cluster writes under its own server name (its name), so a restored Cluster never
          // mixes its WAL with its source's.
          destinationPath: `${backupLocation(cluster, app).s3}/db`,
          endpointUrl: backupEndpoint(cluster),
          s3Credentials: {
            accessKeyId: { name: secretName, key: BACKUP_KEYS.accessKeyId },
            secretAccessKey: { name: secretName, key: BACKUP_KEYS.secretAccessKey },
          },
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
        },
        retentionPolicy: cluster.backups.databases.retention,
        instanceSidecarConfiguration: {
          resources: {
            requests: { cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecar.requests.cpu), memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecar.requests.memory) },
            limits: { cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecar.limits.cpu), memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecar.limits.memory) },
          },
        },
      },
    });

    const barman = (serverName: string) => ({ barmanObjectName: store, serverName });
    // Recover mode reads the previous generation's Cluster; a restore, the Cluster it names.
    const origin = db.recoverFrom ?? db.restore?.source;
    const r = db.resources;
    new Cluster(this, 'cluster', {
      metadata: { name: db.name, namespace, ...(db.recoverFrom ? { labels: recoveryLabels(cluster) } : {}) },
      spec: {
        instances: db.instances,
        imageName: imageRef(IMAGES.postgres),
        storage: { size: db.size, storageClass: 'civo-volume' },
        resources: {
          requests: { cpu: ClusterSpecResourcesRequests.fromString(r.requests.cpu), memory: ClusterSpecResourcesRequests.fromString(r.requests.memory) },
          limits: { cpu: ClusterSpecResourcesLimits.fromString(r.limits.cpu), memory: ClusterSpecResourcesLimits.fromString(r.limits.memory) },
        },
        // A PodDisruptionBudget where one applies: with one instance it would block every node drain.
        enablePdb: db.instances > 1,
        // Pods carry the scrape annotations (backup alerts), never the app's part-of label: the
        // app's own NetworkPolicy (Traefik ingress) must not select them.
        inheritedMetadata: { labels: { 'hobby-infra.dev/database-of': app }, annotations: scrapeAnnotations(METRICS_PORT) },
        plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: barman(db.name) }],
        bootstrap: bootstrapOf(db),
        ...(origin ? { externalClusters: [{ name: 'origin', plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: barman(origin) } }] } : {}),
      },
    });

    new ScheduledBackup(this, 'scheduled-backup', {
      metadata: { name: db.name, namespace },
      spec: {
        cluster: { name: db.name },
        schedule: cluster.backups.databases.schedule,
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        // A base backup right away: point-in-time recovery needs one to start from.
        immediate: true,
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
      },
    });

    new DatabaseNetworkPolicy(this, 'network', { app, namespace, db });
  }
}

/**
 * How the Cluster's first instance is made (read only then: changing it later changes no data).
 * Recover mode: from the previous generation's base backup and all its archived WAL. A restore:
 * from the Cluster it names, to its target time. Otherwise an empty database.
 */
function bootstrapOf(db: DatabaseSpec) {
  const recovery = (targetTime?: string) => ({ recovery: { source: 'origin', database: 'app', owner: 'app', ...(targetTime ? { recoveryTarget: { targetTime } } : {}) } });
  if (db.recoverFrom) return recovery();
  if (db.restore) return recovery(db.restore.targetTime);
  return { initdb: { database: 'app', owner: 'app' } };
}

/**
 * The database's pods admit: the app's processes that read its credentials (5432), the Cluster's own instances (replication
 * and status), the operator (instance status) and the metrics collector; they reach DNS, each
 * other, and HTTPS / the Kubernetes API (object storage, and the instance manager's API calls).
 */
class DatabaseNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: { app: string; namespace: string; db: DatabaseSpec }) {
    super(scope, id);
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const instances = { podSelector: { matchLabels: { [CLUSTER_LABEL]: props.db.name } } };
    new k8s.KubeNetworkPolicy(this, 'policy', {
      metadata: { name: props.db.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { [CLUSTER_LABEL]: props.db.name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // Only the processes that read its credentials (`databaseEnv`), not every pod of the app.
          { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': props.app, [DATABASE_CLIENT_LABEL]: 'true' } } }], ports: [tcp(POSTGRES_PORT)] },
          { from: [instances], ports: [tcp(POSTGRES_PORT), tcp(INSTANCE_STATUS_PORT)] },
          { from: [ns(CNPG_NAMESPACE)], ports: [tcp(INSTANCE_STATUS_PORT)] },
          { from: [ns(MONITORING_NAMESPACE)], ports: [tcp(METRICS_PORT)] },
        ],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)],
          },
          { to: [instances], ports: [tcp(POSTGRES_PORT), tcp(INSTANCE_STATUS_PORT)] },
          // Object storage (HTTPS) and the Kubernetes API (the instance manager watches its Cluster):
          // the API's Service address is rewritten to a node's address on 6443 before policies apply.
          { ports: [tcp(443), tcp(6443)] },
        ],
      },
    });
  }
}
