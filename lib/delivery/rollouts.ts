import type { Phase } from '../render';
import { applySetId } from './applyset';
import { PART_OF_LABEL } from './inventory';
import { objectKey, type DistObject } from './manifests';
import { pollReads, type JobWait, type PollVerdict } from './jobs';
import { isKind, type Step } from './steps';

/*
 * The rollouts of the app workloads the apply sent: one read of every Deployment, StatefulSet and
 * DaemonSet of the apps' ApplySets per poll (not a `kubectl rollout status` process per workload),
 * each judged as `kubectl rollout status` judges it (kubectl's polymorphichelpers/rollout_status.go):
 * the controller has seen the new generation, every replica is updated and available; a Deployment
 * past its progress deadline fails the run, named.
 */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];
/** A rollout is read every second: pods start in seconds, and one read covers every workload. */
export const ROLLOUT_POLL_MS = 1000;
const ROLLOUT_PHASES: readonly Phase[] = ['04-apps', '05-rollouts'];

export const isWorkload = (o: DistObject) => WORKLOADS.some((k) => isKind(o, 'apps', k));

/** The plan's one rollout step: the read it polls, and the workloads it may wait for (the runner keeps those it sent). */
export function rolloutStep(objects: readonly DistObject[], timeout: string): Step | undefined {
  const workloads = objects.filter(isWorkload);
  if (!workloads.length) return undefined;
  return {
    phase: '05-rollouts',
    kind: 'rollout',
    title: `rollouts of the app workloads this run sent (of ${workloads.length}; read every ${ROLLOUT_POLL_MS / 1000} s, as kubectl rollout status judges them; timeout ${timeout})`,
    argv: ['kubectl', 'get', 'deployments.apps,statefulsets.apps,daemonsets.apps', '--all-namespaces', '-l', `${PART_OF_LABEL} in (${ROLLOUT_PHASES.map(applySetId).join(',')})`, '-o', 'json'],
    customKinds: [],
    objects: workloads,
    timeout,
  };
}

interface Workload {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** kubectl rollout status' verdict on one workload: done, still waiting (why), or failed (why). */
export function rolloutState(w: Workload): { done: boolean; waiting?: string; failed?: string } {
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata.generation ?? 0)) return { done: false, waiting: 'waiting for the controller to see the new spec' };
  if (w.kind === 'Deployment') {
    const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
    if (stalled) return { done: false, failed: `exceeded its progress deadline: ${stalled.message ?? ''}`.trim() };
    const want = w.spec?.replicas ?? 1;
    if ((s.updatedReplicas ?? 0) < want) return { done: false, waiting: `${s.updatedReplicas ?? 0} of ${want} updated` };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { done: false, waiting: `${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replica(s) pending termination` };
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return { done: false, waiting: `${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} updated available` };
    return { done: true };
  }
  if (w.kind === 'StatefulSet') {
    if (w.spec?.updateStrategy?.type === 'OnDelete') return { done: true };
    const want = w.spec?.replicas ?? 1;
    if ((s.readyReplicas ?? 0) < want) return { done: false, waiting: `${s.readyReplicas ?? 0} of ${want} ready` };
    const partition = w.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) return (s.updatedReplicas ?? 0) < want - partition ? { done: false, waiting: 'partitioned roll out in progress' } : { done: true };
    if (s.updateRevision !== s.currentRevision) return { done: false, waiting: `${s.updatedReplicas ?? 0} of ${want} updated` };
    return { done: true };
  }
  if (w.kind === 'DaemonSet') {
    const want = s.desiredNumberScheduled ?? 0;
    if ((s.updatedNumberScheduled ?? 0) < want) return { done: false, waiting: `${s.updatedNumberScheduled ?? 0} of ${want} updated` };
    if ((s.numberAvailable ?? 0) < want) return { done: false, waiting: `${s.numberAvailable ?? 0} of ${want} available` };
    return { done: true };
  }
  return { done: true };
}

/** Polls until every workload of `keys` has rolled out; the first that fails stops it. Returns an error. */
export function waitForRollouts(w: JobWait, keys: ReadonlySet<string>): string | undefined {
  const seen = new Map<string, string>();
  const parse = (output: string) => {
    const items = ((JSON.parse(output || '{"items":[]}') as { items?: Workload[] }).items ?? []).filter((o) => keys.has(objectKey(o as never)));
    return items.map((o) => ({ name: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, ...rolloutState(o) }));
  };
  const judge = (states: { name: string; done: boolean; waiting?: string; failed?: string }[]): PollVerdict => {
    for (const s of states) {
      const progress = s.failed ?? s.waiting ?? 'rolled out';
      if (seen.get(s.name) !== progress) w.log(`rollout of ${s.name}: ${progress}`);
      seen.set(s.name, progress);
    }
    const failed = states.find((s) => s.failed);
    if (failed) return { settled: true, error: `rollout of ${failed.name} failed: it ${failed.failed}` };
    const missing = keys.size - states.length;
    if (!missing && states.every((s) => s.done)) return { settled: true };
    return { settled: false, pending: [...states.filter((s) => !s.done).map((s) => `${s.name} (${s.waiting})`), ...(missing ? [`${missing} not found yet`] : [])].join(', ') };
  };
  return pollReads(w, 'the workloads', parse, judge, 'rollouts not complete');
}
