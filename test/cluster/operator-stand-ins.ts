import type { ControlPlane } from '../../lib/delivery/control-plane';
import { poll, type StandIn } from './played-by';

/*
 * The operators this machine does not run, played openly like the kubelet (stand-ins.ts): every
 * line they log starts with `[stand-in ...]`. helm-controller is played in helm-controller-stand-in.ts.
 *
 *  cloudnative-pg   The operator is not running, and no database either. Each CloudNativePG Cluster
 *                   is only reported Ready (its status subresource: condition Ready, the instances
 *                   it asks for), so that the apply's wait for the databases a Job may need can be
 *                   run; no pod, Service or Secret of the database exists.
 *  volsync          The operator is not running, no mover and no bucket either. A
 *                   ReplicationDestination whose manual trigger has not been synced is played as
 *                   restic would run: once its claim and repository Secret exist, the repository
 *                   opens only with STAND_IN_RESTIC_PASSWORD (the one the played bucket holds), so
 *                   the sync succeeds (status as VolSync writes it, restic's `restoring <Snapshot
 *                   ...>` line in the mover's logs) or fails as restic does with another password
 *                   (and is retried, as VolSync retries its mover, until the password is right).
 *                   No data is written anywhere.
 */

interface CnpgCluster {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: { instances?: number };
  status?: { conditions?: { type: string; status: string; observedGeneration?: number }[] };
}

/** CloudNativePG's part, as far as the apply's `kubectl wait --for=condition=Ready` sees it. */
export function playCloudNativePG(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  return poll('cloudnative-pg', 500, async () => {
    const { status, body } = await cp.api<{ items?: CnpgCluster[] }>('GET', '/apis/postgresql.cnpg.io/v1/clusters');
    if (status === 404) return; // the CRD is not installed (yet)
    for (const c of body.items ?? []) {
      // Judged again for each new spec: CloudNativePG stamps its conditions with the generation it judged.
      if (c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True' && x.observedGeneration === c.metadata.generation)) continue;
      const instances = c.spec?.instances ?? 1;
      const ready = { type: 'Ready', status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready', lastTransitionTime: new Date().toISOString(), observedGeneration: c.metadata.generation };
      const patch = { status: { phase: 'Cluster in healthy state', instances, readyInstances: instances, conditions: [ready] } };
      const res = await cp.api('PATCH', `/apis/postgresql.cnpg.io/v1/namespaces/${c.metadata.namespace}/clusters/${c.metadata.name}/status`, patch, 'application/merge-patch+json');
      if (res.status === 200) log(`[stand-in cloudnative-pg] Cluster ${c.metadata.namespace}/${c.metadata.name} reported Ready (no operator and no database on this machine)`);
    }
  });
}

/** The password the played restic repository opens with; any other fails as restic does. */
export const STAND_IN_RESTIC_PASSWORD = 'stand-in-repository-password';
/** The snapshot the played repository holds (restic's own line for it, as the mover logs it). */
export const STAND_IN_SNAPSHOT = { id: '5e1f2a3b', time: '2026-12-05 03:15:00.482913 +0000 UTC' };

interface ReplicationDestinationObject {
  metadata: { name: string; namespace: string };
  spec?: { trigger?: { manual?: string }; restic?: { repository?: string; destinationPVC?: string } };
  status?: { lastManualSync?: string; latestMoverStatus?: { result?: string } };
}

/** VolSync's part for a manual restore, as far as the apply reads ReplicationDestinations. */
export function playVolSync(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  return poll('volsync', 500, async () => {
    const { status, body } = await cp.api<{ items?: ReplicationDestinationObject[] }>('GET', '/apis/volsync.backube/v1alpha1/replicationdestinations');
    if (status === 404) return; // the CRD is not installed (yet)
    for (const rd of body.items ?? []) {
      const trigger = rd.spec?.trigger?.manual;
      const { namespace, name } = rd.metadata;
      if (!trigger || rd.status?.lastManualSync === trigger) continue;
      const claim = await cp.api('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${rd.spec?.restic?.destinationPVC}`);
      const secret = await cp.api<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${rd.spec?.restic?.repository}`);
      if (claim.status !== 200 || secret.status !== 200) continue; // VolSync waits for both
      const password = Buffer.from(secret.body.data?.RESTIC_PASSWORD ?? '', 'base64').toString();
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const ok = password === STAND_IN_RESTIC_PASSWORD;
      // VolSync retries a failed mover: a fixed password succeeds on the next round.
      if (!ok && rd.status?.latestMoverStatus?.result === 'Failed') continue;
      const patch = ok
        ? {
            status: {
              lastManualSync: trigger,
              lastSyncTime: now,
              lastSyncDuration: '2.1s',
              latestMoverStatus: { result: 'Successful', logs: `restoring <Snapshot ${STAND_IN_SNAPSHOT.id} of [/data] at ${STAND_IN_SNAPSHOT.time} by @volsync> to /data\nRestic completed in 2s` },
            },
          }
        : { status: { latestMoverStatus: { result: 'Failed', logs: 'Fatal: wrong password or no key found' } } };
      const res = await cp.api('PATCH', `/apis/volsync.backube/v1alpha1/namespaces/${namespace}/replicationdestinations/${name}/status`, patch, 'application/merge-patch+json');
      if (res.status === 200) {
        log(`[stand-in volsync] ReplicationDestination ${namespace}/${name}: ${ok ? `synced ${trigger} (no mover, no bucket, no data written on this machine)` : 'the played restic mover failed: wrong repository password'}`);
      }
    }
  });
}
