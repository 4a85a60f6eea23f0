import { k8s } from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import {
  ReplicationDestination,
  ReplicationDestinationSpecResticCacheCapacity,
  ReplicationDestinationSpecResticCopyMethod,
  ReplicationDestinationSpecResticMoverResourcesLimits,
  ReplicationDestinationSpecResticMoverResourcesRequests,
} from '../../imports/replicationdestinations-volsync.backube';
import {
  ReplicationSource,
  ReplicationSourceSpecResticCacheCapacity,
  ReplicationSourceSpecResticCopyMethod,
  ReplicationSourceSpecResticMoverResourcesLimits,
  ReplicationSourceSpecResticMoverResourcesRequests,
} from '../../imports/replicationsources-volsync.backube';
import { AFTER_RECOVERY_LABEL } from '../render';
import { restoreSuffix } from '../spec/database';
import type { VolumeSpec } from '../spec/types';
import type { ClusterConfig } from '../config';
import { cpuMillis, memoryMiB } from '../quantity';
import { BACKUP_KEYS, backupLocation, BackupSecretStore, type ExtraUsage } from './backups';
import { PRIVATE_RANGES } from './app-network';
import { recoveryId, recoveryLabels } from './recovery';

/*
 * Backups of a component's volume with VolSync and restic: a ReplicationSource copies the volume
 * to s3://<prefix>-<app>/volumes/<component>[-<volume>]/, the app's own bucket (a restic repository, encrypted with the app's
 * RESTIC_PASSWORD) on the cluster's schedule and forgets old snapshots by the config's policy. A
 * `volume.restore` renders a ReplicationDestination that writes the chosen snapshot back.
 */

/** Label on mover pods, which their NetworkPolicy selects. */
export const MOVER_LABEL = 'hobby-infra.dev/volsync-mover';
/** The restic mover (one pod during a backup or restore). */
export const MOVER_RESOURCES = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } } as const;
/** restic's cache volume, one per ReplicationSource and ReplicationDestination. */
export const CACHE_SIZE = '1Gi';

const repositorySecret = (v: VolumeSpec) => `${v.backupName}-volume-backup`;

/** What a volume's backups may hold in the namespace's quota: a mover pod and its cache volume, twice during a restore or recovery. */
export function volumeBackupUsage(v: VolumeSpec, recover = false): ExtraUsage {
  const n = v.noBackup ? 0 : v.restore || recover ? 2 : 1;
  return {
    pods: n,
    cpuRequest: n * cpuMillis(MOVER_RESOURCES.requests.cpu),
    memoryRequest: n * memoryMiB(MOVER_RESOURCES.requests.memory),
    cpuLimit: n * cpuMillis(MOVER_RESOURCES.limits.cpu),
    memoryLimit: n * memoryMiB(MOVER_RESOURCES.limits.memory),
    pvcs: n,
    storage: n * memoryMiB(CACHE_SIZE),
  };
}

export interface VolumeBackupProps {
  /**
   * Whose backups these are: an app, or a platform namespace listed in lib/backup-owners.ts. It names
   * the bucket (<prefix>-<app>) and the Infisical folder /backups/<app> of the keys; the namespace
   * needs a BackupSecretStore for that folder.
   */
  readonly app: string;
  readonly namespace: string;
  readonly volume: VolumeSpec;
  readonly cluster: ClusterConfig;
}

export class VolumeBackup extends Construct {
  constructor(scope: Construct, id: string, { app, namespace, volume, cluster }: VolumeBackupProps) {
    super(scope, id);
    const uid = volume.uid;
    const secretName = repositorySecret(volume);
    // restic reads its repository, password and S3 keys from one Secret; only the repository is not secret.
    BackupSecretStore.secret(this, 'repository', {
      cluster,
      namespace,
      secretName,
      keys: Object.fromEntries(Object.values(BACKUP_KEYS).map((k) => [k, k])),
      template: {
        RESTIC_REPOSITORY: `${backupLocation(cluster, app).restic}/volumes/${volume.repositoryFolder}`,
        ...Object.fromEntries(Object.values(BACKUP_KEYS).map((k) => [k, `{{ .${k} }}`])),
      },
    });

    const securityContext = { runAsUser: uid, runAsGroup: uid, fsGroup: uid, runAsNonRoot: uid !== 0, seccompProfile: { type: 'RuntimeDefault' } };
    const moverPodLabels = { [MOVER_LABEL]: volume.backupName };
    const { keep } = cluster.backups.volumes;
    new ReplicationSource(this, 'source', {
      // Recover mode: it starts once the volume is back (phase 05), never backing up a half-recovered one.
      metadata: { name: volume.backupName, namespace, ...(cluster.backups.recover ? { labels: { [AFTER_RECOVERY_LABEL]: 'true' } } : {}) },
      spec: {
        sourcePvc: volume.claim,
        trigger: { schedule: cluster.backups.volumes.schedule },
        // Not while a restore writes into the volume: a half-restored volume is no backup.
        ...(volume.restore ? { paused: true } : {}),
        restic: {
          repository: secretName,
          // The live volume, read where it is mounted (VolSync schedules the mover on the node of
          // the pod that uses a ReadWriteOnce volume): Civo's CSI offers no snapshot class here.
          copyMethod: ReplicationSourceSpecResticCopyMethod.DIRECT,
          retain: { daily: keep.daily, weekly: keep.weekly, monthly: keep.monthly },
          pruneIntervalDays: 7,
          cacheCapacity: ReplicationSourceSpecResticCacheCapacity.fromString(CACHE_SIZE),
          cacheStorageClassName: 'civo-volume',
          cacheAccessModes: ['ReadWriteOnce'],
          moverSecurityContext: securityContext,
          moverPodLabels,
          moverResources: {
            requests: { cpu: ReplicationSourceSpecResticMoverResourcesRequests.fromString(MOVER_RESOURCES.requests.cpu), memory: ReplicationSourceSpecResticMoverResourcesRequests.fromString(MOVER_RESOURCES.requests.memory) },
            limits: { cpu: ReplicationSourceSpecResticMoverResourcesLimits.fromString(MOVER_RESOURCES.limits.cpu), memory: ReplicationSourceSpecResticMoverResourcesLimits.fromString(MOVER_RESOURCES.limits.memory) },
          },
        },
      },
    });

    const destination = (name: string, trigger: string, labels?: Record<string, string>) =>
      new RestoreDestination(this, name, {
        metadata: { name: `${volume.backupName}-${name}`, namespace, ...(labels ? { labels } : {}) },
        spec: {
          // Runs once per trigger value: a new `asOf` is a new restore, a new generation a new recovery.
          trigger: { manual: trigger },
          restic: {
            repository: secretName,
            destinationPvc: volume.claim,
            copyMethod: ReplicationDestinationSpecResticCopyMethod.DIRECT,
            // The volume ends up as the snapshot was: files created since are removed.
            enableFileDeletion: true,
            cacheCapacity: ReplicationDestinationSpecResticCacheCapacity.fromString(CACHE_SIZE),
            cacheStorageClassName: 'civo-volume',
            cacheAccessModes: ['ReadWriteOnce'],
            moverSecurityContext: securityContext,
            moverPodLabels,
            moverResources: {
              requests: { cpu: ReplicationDestinationSpecResticMoverResourcesRequests.fromString(MOVER_RESOURCES.requests.cpu), memory: ReplicationDestinationSpecResticMoverResourcesRequests.fromString(MOVER_RESOURCES.requests.memory) },
              limits: { cpu: ReplicationDestinationSpecResticMoverResourcesLimits.fromString(MOVER_RESOURCES.limits.cpu), memory: ReplicationDestinationSpecResticMoverResourcesLimits.fromString(MOVER_RESOURCES.limits.memory) },
            },
          },
        },
      });

    if (cluster.backups.recover) {
      // Recover mode: the new, empty claim gets the newest snapshot before any pod of the app exists
      // (the app rolls out in phase 05, after the apply saw this sync). VolSync's volume populator
      // (a claim's dataSourceRef) would need copyMethod Snapshot, i.e. a VolumeSnapshotClass, which
      // Civo's CSI does not offer here; and a dataSourceRef could never leave the claim again.
      destination('recover', `recover-${recoveryId(cluster)}`, recoveryLabels(cluster));
    } else if (volume.restore) {
      const restore = destination('restore', `restore-${restoreSuffix(volume.restore.asOf)}`);
      if (volume.restore.asOf) restore.restoreAsOf = new Date(Date.parse(volume.restore.asOf)).toISOString().replace('.000Z', 'Z');
    }

    // Mover pods reach DNS and HTTPS on the internet (the bucket), nothing else: no cluster, node or
    // link-local address (the cloud's metadata service); nothing reaches them.
    new k8s.KubeNetworkPolicy(this, 'network', {
      metadata: { name: `${volume.backupName}-volume-backup`, namespace },
      spec: {
        podSelector: { matchLabels: moverPodLabels },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
          },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }] },
        ],
      },
    });
  }
}

/**
 * A ReplicationDestination with `restic.restoreAsOf` (the newest snapshot at or before it, in UTC).
 * The generated type wants a Date, which cdk8s cannot resolve, so it is set on the rendered JSON.
 */
class RestoreDestination extends ReplicationDestination {
  restoreAsOf?: string;

  override toJson(): any {
    const json = super.toJson();
    if (this.restoreAsOf) json.spec.restic.restoreAsOf = this.restoreAsOf;
    return json;
  }
}
