import type { HealthCheck, HealthProblem } from '../report/deploy-report';
import { groupOf, type Phase } from '../render';
import { applySetId } from './applyset';
import { PART_OF_LABEL } from './inventory';
import { durationMs, pollReads, type JobWait, type PollVerdict } from './jobs';
import { objectKey, type DistObject } from './manifests';
import { type DEFAULT_TIMEOUTS, type Step } from './steps';
import type { Condition } from './condition';
import { crdNameOf } from './plural';

/*
 * The health of what the apply wrote, judged as each operator reports it on its objects' status:
 *  - Certificates Ready (cert-manager sets Ready True once the Secret holds a valid certificate);
 *  - SecretStores Ready (ESO: the provider accepted the store's credentials) and ExternalSecrets
 *    Ready (reason SecretSynced: the target Secret was written from the provider);
 *  - CloudNativePG Clusters Ready (every instance up, the primary elected);
 *  - VolSync ReplicationSources without errors: a source is a schedule, never "ready", so only its
 *    last mover failing (latestMoverStatus.result Failed) or its Synchronizing condition reporting
 *    an Error counts, at once.
 * After each phase, the objects of these kinds the run sent are waited for, each kind for its own
 * bounded time (`--timeout certificate=10m`); at the end one read judges every such object of
 * dist/, changed or not, without waiting: what is not healthy is named, with its condition's
 * message (the runner adds the newest Warning event about it).
 */

export type HealthTimeout = 'certificate' | 'secretStore' | 'externalSecret' | 'database';

interface HealthKind {
  readonly group: string;
  readonly kind: string;
  readonly check: string;
  /** How long a sent object may take to become healthy; undefined: judged once (a schedule has no "ready"). */
  readonly timeout?: HealthTimeout;
}

export const HEALTH_KINDS: readonly HealthKind[] = [
  { group: 'cert-manager.io', kind: 'Certificate', check: 'Certificates Ready', timeout: 'certificate' },
  { group: 'external-secrets.io', kind: 'SecretStore', check: 'SecretStores Ready', timeout: 'secretStore' },
  { group: 'external-secrets.io', kind: 'ExternalSecret', check: 'ExternalSecrets synced', timeout: 'externalSecret' },
  { group: 'postgresql.cnpg.io', kind: 'Cluster', check: 'databases Ready', timeout: 'database' },
  { group: 'volsync.backube', kind: 'ReplicationSource', check: 'backups without errors' },
];

const kindOf = (m: { apiVersion: string; kind: string }) => HEALTH_KINDS.find((k) => k.kind === m.kind && k.group === groupOf(m.apiVersion));
export const isHealthObject = (o: DistObject) => kindOf(o.manifest) !== undefined;

export interface LiveHealthObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: {
    conditions?: Condition[];
    phase?: string;
    phaseReason?: string;
    latestMoverStatus?: { result?: string; logs?: string };
    /** ESO: `<generation>-<hash of labels and annotations>` of the spec it last synced (its getResourceVersion). */
    syncedResourceVersion?: string;
  };
}

/** One object's health: ok, still waiting (why), or failed for good (why). */
export interface HealthState {
  readonly ok: boolean;
  readonly failed?: boolean;
  readonly message: string;
}

const conditionText = (c: Condition | undefined) => (c ? `${c.reason ? `${c.reason}: ` : ''}${c.message ?? `${c.type} ${c.status}`}` : undefined);

export function healthOf(o: LiveHealthObject): HealthState {
  const conditions = o.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (o.kind === 'ReplicationSource') {
    const mover = o.status?.latestMoverStatus;
    if (mover?.result === 'Failed') return { ok: false, failed: true, message: `its last backup failed: ${(mover.logs ?? '').trim().split('\n').slice(-3).join(' / ') || 'no mover logs'}` };
    const sync = conditions.find((c) => c.type === 'Synchronizing');
    if (sync?.reason === 'Error') return { ok: false, failed: true, message: conditionText(sync)! };
    return { ok: true, message: mover?.result ? `last backup ${mover.result}` : 'no backup run yet' };
  }
  // A status written for an earlier spec says nothing about this one: cert-manager (and CloudNativePG) stamp
  // their conditions with the generation they judged, ESO the generation it last synced.
  const generation = o.metadata.generation;
  if (generation !== undefined && ready?.observedGeneration !== undefined && ready.observedGeneration < generation) return { ok: false, message: `waiting for its operator to judge the new spec (generation ${generation})` };
  if (ready?.status === 'True' && o.kind === 'ExternalSecret' && generation !== undefined && o.status?.syncedResourceVersion && !o.status.syncedResourceVersion.startsWith(`${generation}-`)) {
    return { ok: false, message: `waiting for External Secrets to sync the new spec (generation ${generation})` };
  }
  if (ready?.status === 'True') return { ok: true, message: 'Ready' };
  if (o.kind === 'Cluster' && o.status?.phase) return { ok: false, message: `${o.status.phase}${o.status.phaseReason ? `: ${o.status.phaseReason}` : ''}` };
  return { ok: false, message: conditionText(ready) ?? 'no Ready condition yet (its operator has not reported on it)' };
}

/** `Certificate traefik/wildcard`. */
export const healthName = (m: { kind: string; metadata: { name: string; namespace?: string } }) => `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;

/** The read of every object of the health kinds in these phases' ApplySets: one command. */
function healthRead(objects: readonly DistObject[], phases: readonly Phase[]): string[] {
  const resources = HEALTH_KINDS.filter((k) => objects.some((o) => kindOf(o.manifest) === k)).map((k) => crdNameOf(k.kind, k.group));
  const selector = phases.length === 1 ? `${PART_OF_LABEL}=${applySetId(phases[0]!)}` : `${PART_OF_LABEL} in (${phases.map(applySetId).join(',')})`;
  return ['kubectl', 'get', resources.join(','), '--all-namespaces', '-l', selector, '-o', 'json'];
}

/** After a phase: its objects of the health kinds that this run sent, each healthy within its kind's time. */
export function phaseHealthStep(phase: Phase, objects: readonly DistObject[], t: typeof DEFAULT_TIMEOUTS): Step | undefined {
  // A backup schedule is judged at the end only: its last run's failure is not this run's doing.
  const here = objects.filter((o) => kindOf(o.manifest)?.timeout);
  if (!here.length) return undefined;
  const kinds = HEALTH_KINDS.filter((k) => here.some((o) => kindOf(o.manifest) === k));
  const timeouts = kinds.map((k) => `${k.kind} ${t[k.timeout!]}`).join(', ');
  return {
    phase,
    kind: 'health',
    title: `health of what this run sent in ${phase}: ${kinds.map((k) => k.check).join(', ')} (read every few seconds; ${timeouts})`,
    argv: healthRead(here, [phase]),
    customKinds: [],
    objects: here,
    when: { phases: [phase], keys: here.map((o) => o.key) },
  };
}

/** At the end: every object of the health kinds in dist/, changed or not, judged once. */
export function finalHealthStep(all: readonly DistObject[], phases: readonly Phase[]): Step | undefined {
  const here = all.filter(isHealthObject);
  if (!here.length) return undefined;
  const kinds = HEALTH_KINDS.filter((k) => here.some((o) => kindOf(o.manifest) === k));
  return {
    phase: 'end',
    kind: 'health',
    title: `health of everything applied: ${kinds.map((k) => k.check).join(', ')} (${here.length} objects, one read, no waiting)`,
    argv: healthRead(here, phases),
    customKinds: [],
    objects: here,
  };
}

export interface HealthWait extends JobWait {
  readonly timeouts: typeof DEFAULT_TIMEOUTS;
}

/**
 * Polls the step's read until every object of `keys` is healthy (the report's checks, all clean),
 * one fails for good, or its kind's time is up; `once`: a single read. Returns the checks, each
 * with its problems (empty when healthy).
 */
export function waitForHealth(w: HealthWait, step: Step, keys: ReadonlySet<string>, once: boolean): HealthCheck[] {
  const wanted = (step.objects ?? []).filter((o) => keys.has(o.key));
  const started = w.now();
  const seen = new Map<string, string>();
  let last = new Map<string, { object: DistObject; state: HealthState | undefined }>();
  const parse = (output: string) => {
    const live = new Map(((JSON.parse(output || '{"items":[]}') as { items?: LiveHealthObject[] }).items ?? []).map((o) => [objectKey(o as never), o]));
    return wanted.map((object) => ({ object, state: live.has(object.key) ? healthOf(live.get(object.key)!) : undefined }));
  };
  const judge = (states: { object: DistObject; state: HealthState | undefined }[]): PollVerdict => {
    last = new Map(states.map((s) => [s.object.key, s]));
    const late = (s: (typeof states)[number]) => {
      const k = kindOf(s.object.manifest)!;
      return once || !k.timeout || w.now() - started >= durationMs(w.timeouts[k.timeout]);
    };
    for (const s of states) {
      const progress = s.state?.message ?? 'not in the cluster';
      if (!once && seen.get(s.object.key) !== progress) w.log(`${healthName(s.object.manifest)}: ${progress}`);
      seen.set(s.object.key, progress);
    }
    const open = states.filter((s) => !s.state?.ok && !s.state?.failed && !late(s));
    if (!open.length) return { settled: true };
    return { settled: false, pending: open.map((s) => healthName(s.object.manifest)).join(', ') };
  };
  // The poll's own deadline is the longest kind's; each kind is judged late at its own.
  const longest = Math.max(0, ...wanted.map((o) => kindOf(o.manifest)!.timeout).map((t) => (t ? durationMs(w.timeouts[t]) : 0)));
  const error = pollReads({ ...w, timeout: once ? '0s' : `${Math.ceil(longest / 1000) + 1}s` }, 'the health of what was applied', parse, judge, 'not healthy');
  if (error && !error.startsWith('not healthy')) return [{ check: 'health read', objects: wanted.length, problems: [{ object: step.argv.slice(0, 3).join(' '), message: error }] }];
  const checks: HealthCheck[] = [];
  for (const k of HEALTH_KINDS) {
    const ofKind = wanted.filter((o) => kindOf(o.manifest) === k);
    if (!ofKind.length) continue;
    const problems: HealthProblem[] = ofKind
      .map((o) => last.get(o.key))
      .filter((s) => s && !s.state?.ok)
      .map((s) => ({ object: healthName(s!.object.manifest), message: s!.state?.message ?? 'not in the cluster' }));
    checks.push({ check: k.check, objects: ofKind.length, problems });
  }
  return checks;
}
