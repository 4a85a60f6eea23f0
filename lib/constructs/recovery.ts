import type { ClusterConfig } from '../config';

/*
 * Recover mode (`backups.recover` in config/cluster.ts): after the cluster was lost, the next apply
 * brings every database and backed-up volume back from the previous generation's backups. What it
 * renders carries RECOVERY_LABEL, which the apply reads: it waits for those objects after phase
 * 04 (lib/delivery/recovery.ts) and rolls the apps out only then, in phase 05.
 */

/** On each database Cluster and volume ReplicationDestination that recover mode renders: `g<generation>`. */
export const RECOVERY_LABEL = 'hobby-infra.dev/recovery';

/** The value of RECOVERY_LABEL, and of the recovering ReplicationDestinations' manual trigger. */
export const recoveryId = (cluster: ClusterConfig) => `g${cluster.backups.generation}`;

export const recoveryLabels = (cluster: ClusterConfig) => ({ [RECOVERY_LABEL]: recoveryId(cluster) });
