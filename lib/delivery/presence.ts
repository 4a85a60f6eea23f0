import type { Phase } from '../render';
import { pollReads, type JobWait, type PollVerdict } from './jobs';
import { JOB_POLL_MS, type Step } from './steps';

/*
 * Waits for named objects to exist and reach a condition (CRDs Established, helm-install Jobs
 * Complete) with one read of all of them per poll, `kubectl get <refs> --ignore-not-found -o json`,
 * instead of a `kubectl wait --for=create` process per object (kubectl 1.32 gives up on the first
 * missing one when a `--for=create` names several) and another for the condition.
 */

export interface Presence {
  /** The condition each object must have `True`: `Established`, `Complete`. */
  readonly condition: string;
  /** `kind/name` as kubectl takes them. */
  readonly refs: readonly string[];
}

export function presenceStep(phase: Phase, title: string, refs: readonly string[], condition: string, timeout: string, extra: Partial<Step> & { namespace?: string } = {}): Step {
  const { namespace, ...rest } = extra;
  return {
    phase,
    kind: 'present',
    title: `${title} (read every ${JOB_POLL_MS / 1000} s until each exists and is ${condition}; timeout ${timeout})`,
    argv: ['kubectl', ...(namespace ? ['-n', namespace] : []), 'get', ...refs, '--ignore-not-found', '-o', 'json'],
    customKinds: [],
    timeout,
    presence: { condition, refs },
    ...rest,
  };
}

interface Read {
  kind?: string;
  metadata?: { name: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
  items?: Read[];
}

/** Polls until every object of `p` exists with its condition; a Job that Failed stops it. Returns an error. */
export function waitForPresence(w: JobWait, p: Presence): string | undefined {
  const names = p.refs.map((r) => r.slice(r.indexOf('/') + 1));
  const parse = (output: string) => {
    const read = (output.trim() ? JSON.parse(output) : { items: [] }) as Read;
    return read.kind === 'List' || read.items ? (read.items ?? []) : [read];
  };
  const judge = (objects: Read[]): PollVerdict => {
    const byName = new Map(objects.map((o) => [o.metadata?.name, o]));
    const failed = objects.find((o) => o.kind === 'Job' && o.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True'));
    if (failed) {
      const c = failed.status!.conditions!.find((x) => x.type === 'Failed')!;
      return { settled: true, error: `Job ${failed.metadata?.name} failed (${c.reason ?? 'Failed'}: ${c.message ?? 'no message'})` };
    }
    const pending = names.filter((n) => !byName.get(n)?.status?.conditions?.some((c) => c.type === p.condition && c.status === 'True'));
    if (!pending.length) return { settled: true };
    return { settled: false, pending: pending.map((n) => `${n} (${byName.has(n) ? `not ${p.condition}` : 'not there yet'})`).join(', ') };
  };
  return pollReads(w, p.refs.join(' '), parse, judge, `not ${p.condition}`);
}
