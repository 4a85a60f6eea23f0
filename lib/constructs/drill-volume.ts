import { Construct } from 'constructs';
import { IMAGES, imageRef } from '../../config/versions';
import type { ClusterConfig } from '../config';
import { cpuMillis, memoryMiB } from '../quantity';
import type { VolumeSpec } from '../spec/types';
import { BACKUP_KEYS, backupLocation, BackupSecretStore, type ExtraUsage } from './backups';
import { DrillCronJob, drillName, RESTORE_DRILLS_NAMESPACE, SCRIPTS } from './drill-runner';
import { MOVER_RESOURCES } from './volume-backup';

/*
 * A backed-up volume's restore drill: a CronJob that runs volume-drill.sh in the restic image with
 * a Secret of its own (the repository of the volume, the drills' read-only keys, and the owner's
 * restic password), restoring into a generic ephemeral volume the size of the live one. It never
 * mounts the live volume, runs in no app's namespace, and holds no API token.
 */

/** Where the drills' folder keeps an owner's restic password: `RESTIC_PASSWORD_FX_SHOP` for fx-shop. */
export const resticPasswordKey = (owner: string) => `${BACKUP_KEYS.resticPassword}_${owner.toUpperCase().replace(/-/g, '_')}`;

/** How long one volume drill may run: check, then restore (seconds). */
export const VOLUME_DRILL_SECONDS = 3 * 3600;

/** What one volume drill holds while it runs: a restic pod (a mover's resources) and its scratch volume. */
export function volumeDrillUsage(volume: VolumeSpec): ExtraUsage {
  return {
    pods: 1,
    cpuRequest: cpuMillis(MOVER_RESOURCES.requests.cpu),
    memoryRequest: memoryMiB(MOVER_RESOURCES.requests.memory),
    cpuLimit: cpuMillis(MOVER_RESOURCES.limits.cpu),
    memoryLimit: memoryMiB(MOVER_RESOURCES.limits.memory),
    pvcs: 1,
    storage: memoryMiB(volume.size),
  };
}

export interface VolumeDrillProps {
  readonly cluster: ClusterConfig;
  /** The backup owner: an app, or a platform namespace (lib/backup-owners.ts). */
  readonly owner: string;
  readonly volume: VolumeSpec;
}

export class VolumeDrill extends Construct {
  constructor(scope: Construct, id: string, { cluster, owner, volume }: VolumeDrillProps) {
    super(scope, id);
    const name = drillName('volume', volume.backupName);
    const secretName = `${name}-repository`;
    const password = resticPasswordKey(owner);
    BackupSecretStore.secret(this, 'repository', {
      cluster,
      namespace: RESTORE_DRILLS_NAMESPACE,
      secretName,
      keys: { [BACKUP_KEYS.accessKeyId]: BACKUP_KEYS.accessKeyId, [BACKUP_KEYS.secretAccessKey]: BACKUP_KEYS.secretAccessKey, [BACKUP_KEYS.resticPassword]: password },
      template: {
        RESTIC_REPOSITORY: `${backupLocation(cluster, owner).restic}/volumes/${volume.repositoryFolder}`,
        ...Object.fromEntries(Object.values(BACKUP_KEYS).map((k) => [k, `{{ .${k} }}`])),
      },
    });
    const r = MOVER_RESOURCES;
    new DrillCronJob(this, 'drill', {
      cluster,
      name,
      role: 'volume',
      image: imageRef(IMAGES.restic),
      script: SCRIPTS.volume,
      resources: { requests: { ...r.requests }, limits: { ...r.limits } },
      deadlineSeconds: VOLUME_DRILL_SECONDS,
      env: {
        DRILL_NAME: `${owner}/${volume.backupName}`,
        MAX_AGE_SECONDS: String(cluster.backups.alertAfterHours * 3600),
        TARGET: '/restore',
        RESTIC_CACHE_DIR: '/tmp/restic-cache',
      },
      envFromSecret: secretName,
      // A scratch volume the size of the live one, created with the pod and deleted with it.
      volumes: [
        {
          name: 'restore',
          ephemeral: {
            volumeClaimTemplate: {
              metadata: { labels: { 'hobby-infra.dev/restore-drill-of': owner } },
              spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'civo-volume', resources: { requests: { storage: volume.size } } },
            },
          },
        },
      ],
      volumeMounts: [{ name: 'restore', mountPath: '/restore' }],
    });
  }
}
