import { RECOVERY_LABEL } from '../constructs/recovery';
import { pollReads, type JobWait, type PollVerdict } from './jobs';
import type { DistObject } from './manifests';
import { DEFAULT_TIMEOUTS, isKind, namespaceOf, uniqueSorted, type Step } from './steps';
import type { Condition } from './condition';

/*
 * Recover mode's part of the apply (config `backups.recover`, lib/constructs/recovery.ts): after
 * phase 04, before anything of phase 05 starts, the runner reads every database Cluster and volume
 * ReplicationDestination that dist/ labels RECOVERY_LABEL (`kubectl -n <ns> get <each> -o json`,
 * the commands the plan prints) every few seconds until each is back: a Cluster Ready (its first
 * instance made from the previous generation's base backup and all its archived WAL), a
 * ReplicationDestination whose last manual sync is its trigger (the newest snapshot written into
 * the empty claim). A failed mover stops the run at once, with restic's own lines. At the end it
 * reports, per app, what came back, from where, and to which point in time.
 */

interface RecoveringObject {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: {
    externalClusters?: { name: string; plugin?: { parameters?: { serverName?: string } } }[];
    trigger?: { manual?: string };
    restic?: { destinationPVC?: string };
  };
  status?: {
    conditions?: Condition[];
    phase?: string;
    lastManualSync?: string;
    lastSyncTime?: string;
    latestMoverStatus?: { result?: string; logs?: string };
  };
  items?: RecoveringObject[];
}

export interface RecoveryState {
  /** `namespace/Kind/name`. */
  readonly object: string;
  readonly state: 'recovered' | 'failed' | 'running';
  /** What came back, from where and to when (recovered), or why not (failed, running). */
  readonly detail: string;
}

/** restic's `restoring <Snapshot 1a2b3c4d of [/data] at 2026-12-05 03:15:00 +0000 UTC by ...>`: the snapshot and its time. */
function snapshotOf(logs: string | undefined): string | undefined {
  const m = /restoring <Snapshot ([0-9a-f]+) of \[[^\]]*\] at (\S+ \S+)/.exec(logs ?? '');
  return m ? `snapshot ${m[1]} taken ${m[2]!.replace(/\.\d+$/, '')} UTC` : undefined;
}

function stateOf(o: RecoveringObject): RecoveryState {
  const ns = o.metadata.namespace ?? 'default';
  if (o.kind === 'Cluster') {
    const source = o.spec?.externalClusters?.[0]?.plugin?.parameters?.serverName ?? 'its source';
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
    return {
      object: `${ns}/Cluster/${o.metadata.name}`,
      state: ready ? 'recovered' : 'running',
      detail: ready
        ? `database from ${source}'s newest base backup and all its archived WAL (Ready since ${ready.lastTransitionTime ?? 'now'})`
        : `database recovering from ${source} (${o.status?.phase ?? 'not started yet'})`,
    };
  }
  const trigger = o.spec?.trigger?.manual;
  const claim = o.spec?.restic?.destinationPVC ?? '?';
  const mover = o.status?.latestMoverStatus;
  if (trigger && o.status?.lastManualSync === trigger) {
    return { object: `${ns}/ReplicationDestination/${o.metadata.name}`, state: 'recovered', detail: `volume ${claim} from ${snapshotOf(mover?.logs) ?? 'its newest snapshot'} (written ${o.status.lastSyncTime ?? 'now'})` };
  }
  if (mover?.result === 'Failed') {
    return { object: `${ns}/ReplicationDestination/${o.metadata.name}`, state: 'failed', detail: `volume ${claim}: the restic mover failed: ${(mover.logs ?? 'no log').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { object: `${ns}/ReplicationDestination/${o.metadata.name}`, state: 'running', detail: `volume ${claim} being written from its newest snapshot` };
}

/** The objects of `kubectl get <a> <b> -o json` output (one name gives the object, several a List). */
export function recoveryStates(output: string): RecoveryState[] {
  const parsed = JSON.parse(output || '{"items":[]}') as RecoveringObject;
  return (parsed.items ?? [parsed]).map(stateOf);
}

/** Polls until everything is back (undefined, after the report) or a mover failed, a read failed, or the time is up (the error). */
export function waitForRecovery(w: JobWait): string | undefined {
  const seen = new Map<string, string>();
  const judge = (states: RecoveryState[]): PollVerdict => {
    for (const s of states) {
      if (seen.get(s.object) !== s.state) w.log(`${s.object}: ${s.state}`);
      seen.set(s.object, s.state);
    }
    const failed = states.find((s) => s.state === 'failed');
    if (failed) return { settled: true, error: `${failed.object} did not come back: ${failed.detail}. Nothing of phase 05 was applied, so no app started on missing data` };
    if (states.every((s) => s.state === 'recovered')) {
      w.log('\nrecovered, by app:');
      for (const ns of uniqueSorted(states.map((s) => s.object.split('/')[0]!))) {
        w.log(`  ${ns}`);
        for (const s of states.filter((x) => x.object.startsWith(`${ns}/`))) w.log(`    ${s.object.slice(ns.length + 1)}: ${s.detail}`);
      }
      return { settled: true };
    }
    return { settled: false, pending: states.filter((s) => s.state !== 'recovered').map((s) => `${s.object} (${s.detail})`).join(', ') };
  };
  return pollReads(w, 'what recover mode brings back', recoveryStates, judge, 'not back');
}

/** After phase 04's apply in recover mode: one read per namespace of what it brings back. */
export function recoverySteps(objects: readonly DistObject[], t: typeof DEFAULT_TIMEOUTS): Step[] {
  const recovering = objects.filter(
    (o) => (o.manifest.metadata.labels as Record<string, string> | undefined)?.[RECOVERY_LABEL] && (isKind(o, 'postgresql.cnpg.io', 'Cluster') || isKind(o, 'volsync.backube', 'ReplicationDestination')),
  );
  const ref = (o: DistObject) => `${o.manifest.kind === 'Cluster' ? 'cluster.postgresql.cnpg.io' : 'replicationdestination.volsync.backube'}/${o.manifest.metadata.name}`;
  return uniqueSorted(recovering.map(namespaceOf)).map((ns) => ({
    phase: '04-apps' as const,
    kind: 'recovery' as const,
    title: `recover mode: the databases and volumes of ${ns} back from their backups before anything starts (read every few seconds; a failed restore stops the run; timeout ${t.recovery})`,
    argv: ['kubectl', '-n', ns, 'get', ...recovering.filter((o) => namespaceOf(o) === ns).map(ref), '-o', 'json'],
    customKinds: [],
    timeout: t.recovery,
    // Whenever the run writes any of the namespace's apps: what is already back and running needs no read.
    when: { phases: ['03-custom-resources', '04-apps', '05-rollouts'] as const, namespace: ns },
  }));
}
