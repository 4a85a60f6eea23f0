import { k8s } from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { IMAGES, imageRef } from '../../config/versions';
import { Cluster, ClusterSpecResourcesLimits, ClusterSpecResourcesRequests } from '../../imports/clusters-postgresql.cnpg.io';
import { ObjectStore, ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits, ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests } from '../../imports/objectstores-barmancloud.cnpg.io';
import type { DatabaseSpec } from '../app-spec';
import { backupEndpoint, type ClusterConfig } from '../config';
import { cpuMillis, memoryMiB } from '../quantity';
import { DRILL_CLUSTERS_LABEL } from '../platform-contracts';
import { toYaml } from '../yaml';
import { BACKUP_KEYS, BARMAN_CLOUD_PLUGIN, backupLocation } from './backups';
import { BACKUP_SIDECAR_RESOURCES } from './database';
import { DrillCronJob, drillName, drillPods, RESTORE_DRILLS_NAMESPACE, RUNNER_RESOURCES, RUNNER_SERVICE_ACCOUNT, SCRIPTS } from './drill-runner';

/*
 * A database's restore drill: an ObjectStore in restore-drills that reads the app's bucket with the
 * drills' read-only keys, the throwaway Cluster the runner creates (rendered into a ConfigMap, so
 * that it is reviewed in dist/ and counted by the capacity report), and the CronJob that runs
 * database-drill.sh. The Cluster is a replica cluster of the app's: bootstrapped from the latest
 * base backup, it keeps replaying archived WAL as a hot standby, so `pg_last_xact_replay_timestamp()`
 * says how far the backups reach (a promoted Cluster would have replayed inside its recovery Job,
 * and its instance could not tell); it has no WAL archiver, and never writes to any bucket.
 */

/** The Secret of the read-only keys (/backups/restore-drills) every drill ObjectStore reads. */
export const DRILL_CREDENTIALS = 'restore-drill-bucket-keys';
/** The ConfigMap holding each drill Cluster's manifest, under `<app>.yaml` (labelled for the capacity report). */
export const DRILL_CLUSTERS_CONFIGMAP = 'restore-drill-clusters';

/** How long one database drill may take: its Cluster Ready, then replay catching up (seconds). */
export const DRILL_TIMES = { ready: 1800, replay: 900, poll: 20 } as const;
/** One drill, from creating its Cluster to deleting it (with room for the delete). */
export const DRILL_SECONDS = DRILL_TIMES.ready + DRILL_TIMES.replay + 300;

/** The throwaway Cluster's name (the runner creates and deletes it). */
export const drillClusterName = (app: string) => `drill-${app}`;

/**
 * The drill Cluster's pods at their peak: one instance with the Barman Cloud sidecar (which the
 * plugin injects without resources here, so the namespace's LimitRange gives it the sidecar's).
 */
export function drillPodUsage(db: DatabaseSpec) {
  const r = db.resources;
  const s = BACKUP_SIDECAR_RESOURCES;
  return {
    cpuRequest: cpuMillis(r.requests.cpu) + cpuMillis(s.requests.cpu),
    memoryRequest: memoryMiB(r.requests.memory) + memoryMiB(s.requests.memory),
    cpuLimit: cpuMillis(r.limits.cpu) + cpuMillis(s.limits.cpu),
    memoryLimit: memoryMiB(r.limits.memory) + memoryMiB(s.limits.memory),
  };
}

export interface DatabaseDrillProps {
  readonly cluster: ClusterConfig;
  readonly app: string;
  readonly db: DatabaseSpec;
  /** How many database drills share the namespace's one slot: a runner may wait for all the others. */
  readonly drills: number;
}

/** The drill Cluster's manifest, as the runner creates it. */
export function drillClusterManifest(cluster: ClusterConfig, app: string, db: DatabaseSpec): Record<string, any> {
  const name = drillClusterName(app);
  const r = db.resources;
  // The plugin looks the replica source's ObjectStore up by its serverName in some releases and
  // by barmanObjectName in others: the drill's ObjectStore carries the source's name, so both agree.
  const origin = { name: 'origin', plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: db.name, serverName: db.name } } };
  return Cluster.manifest({
    metadata: { name, namespace: RESTORE_DRILLS_NAMESPACE, labels: { ...drillPods('database'), 'hobby-infra.dev/restore-drill-of': app } },
    spec: {
      instances: 1,
      imageName: imageRef(IMAGES.postgres),
      storage: { size: db.size, storageClass: 'civo-volume' },
      resources: {
        requests: { cpu: ClusterSpecResourcesRequests.fromString(r.requests.cpu), memory: ClusterSpecResourcesRequests.fromString(r.requests.memory) },
        limits: { cpu: ClusterSpecResourcesLimits.fromString(r.limits.cpu), memory: ClusterSpecResourcesLimits.fromString(r.limits.memory) },
      },
      enablePdb: false,
      inheritedMetadata: { labels: { ...drillPods('database'), 'hobby-infra.dev/restore-drill-of': app } },
      bootstrap: { recovery: { source: 'origin' } },
      replica: { enabled: true, source: 'origin' },
      externalClusters: [origin],
    },
  });
}

export class DatabaseDrill extends Construct {
  readonly clusterYaml: string;

  constructor(scope: Construct, id: string, { cluster, app, db, drills }: DatabaseDrillProps) {
    super(scope, id);
    const sidecar = BACKUP_SIDECAR_RESOURCES;
    new ObjectStore(this, 'object-store', {
      metadata: { name: db.name, namespace: RESTORE_DRILLS_NAMESPACE, labels: { 'hobby-infra.dev/restore-drill-of': app } },
      spec: {
        // Read only: the keys can neither write nor delete. No retention policy (nothing to prune here).
        configuration: {
          destinationPath: `${backupLocation(cluster, app).s3}/db`,
          endpointUrl: backupEndpoint(cluster),
          s3Credentials: {
            accessKeyId: { name: DRILL_CREDENTIALS, key: BACKUP_KEYS.accessKeyId },
            secretAccessKey: { name: DRILL_CREDENTIALS, key: BACKUP_KEYS.secretAccessKey },
          },
        },
        instanceSidecarConfiguration: {
          resources: {
            requests: { cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecar.requests.cpu), memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(sidecar.requests.memory) },
            limits: { cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecar.limits.cpu), memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(sidecar.limits.memory) },
          },
        },
      },
    });
    this.clusterYaml = toYaml(drillClusterManifest(cluster, app, db) as any);

    const name = drillClusterName(app);
    const file = `${app}.yaml`;
    new DrillCronJob(this, 'runner', {
      cluster,
      name: drillName('database', app),
      role: 'runner',
      image: imageRef(IMAGES.kubectl),
      shellFrom: imageRef(IMAGES.busybox),
      script: SCRIPTS.database,
      serviceAccount: RUNNER_SERVICE_ACCOUNT,
      resources: RUNNER_RESOURCES,
      // Its own drill, after waiting for every other database's at most.
      deadlineSeconds: drills * DRILL_SECONDS + 600,
      env: {
        NAMESPACE: RESTORE_DRILLS_NAMESPACE,
        DRILL_CLUSTER: name,
        SOURCE: `${app}/${db.name}`,
        CLUSTER_FILE: `/drill/${file}`,
        MAX_AGE_SECONDS: String(cluster.backups.alertAfterHours * 3600),
        TURN_SECONDS: String((drills - 1) * DRILL_SECONDS + 300),
        READY_SECONDS: String(DRILL_TIMES.ready),
        REPLAY_SECONDS: String(DRILL_TIMES.replay),
        STALE_SECONDS: String(DRILL_SECONDS + 300),
        POLL_SECONDS: String(DRILL_TIMES.poll),
      },
      volumes: [{ name: 'cluster', configMap: { name: DRILL_CLUSTERS_CONFIGMAP, items: [{ key: file, path: file }] } }],
      volumeMounts: [{ name: 'cluster', mountPath: '/drill', readOnly: true }],
    });
  }
}

/** The drill Clusters' ConfigMap, one `<app>.yaml` each. */
export function drillClustersConfigMap(scope: Construct, drills: readonly { app: string; drill: DatabaseDrill }[]): void {
  new k8s.KubeConfigMap(scope, 'drill-clusters', {
    metadata: { name: DRILL_CLUSTERS_CONFIGMAP, namespace: RESTORE_DRILLS_NAMESPACE, labels: { [DRILL_CLUSTERS_LABEL]: 'true' } },
    data: Object.fromEntries(drills.map(({ app, drill }) => [`${app}.yaml`, drill.clusterYaml])),
  });
}
