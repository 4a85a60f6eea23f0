import type { Phase } from '../render';
import type { DistObject } from './manifests';
import { DEFAULT_TIMEOUTS, isKind, JOB_POLL_MS, namespaceOf, uniqueSorted, type Step } from './steps';
import type { Condition } from './condition';

/*
 * Waiting for one-off Jobs (an app's migrations, `--install --idempotent`) before anything rolls
 * out. `kubectl wait --for=condition=complete` cannot see a Job fail: it would sit out its whole
 * timeout. So the runner reads the Jobs (`kubectl -n <ns> get job/<a> job/<b> -o json`, the command
 * the plan prints) every few seconds until all are Complete, one is Failed (the run stops, naming
 * it, with the reason and message the Job controller gave), or the time is up.
 * A failed Job stays failed: the next apply stops at it again until its spec changes (a new Job,
 * lib/constructs names it by its pod template) or someone deletes it.
 */

interface JobObject {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: { backoffLimit?: number };
  status?: { conditions?: Condition[]; active?: number; failed?: number; succeeded?: number };
  items?: JobObject[];
}

export interface JobState {
  /** `namespace/name`. */
  readonly job: string;
  readonly state: 'complete' | 'failed' | 'running';
  readonly reason?: string;
  readonly message?: string;
  /** Pods of the Job that failed so far (each one a retry, up to its backoffLimit). */
  readonly failedPods: number;
  readonly backoffLimit?: number;
}

/** The Jobs of `kubectl get job/... -o json` output (one name gives the object, several a List). */
export function jobStates(output: string): JobState[] {
  const parsed = JSON.parse(output || '{"items":[]}') as JobObject;
  const jobs = parsed.kind === 'Job' ? [parsed] : (parsed.items ?? []);
  return jobs.map((j) => {
    const condition = (type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
    const failed = condition('Failed');
    const state = failed ? 'failed' : condition('Complete') ? 'complete' : 'running';
    return {
      job: `${j.metadata.namespace ?? 'default'}/${j.metadata.name}`,
      state,
      ...(failed ? { reason: failed.reason, message: failed.message } : {}),
      failedPods: j.status?.failed ?? 0,
      backoffLimit: j.spec?.backoffLimit,
    };
  });
}

/** `15m`, `90s`, `1h`, `500ms` -> milliseconds (the timeouts of the plan, as kubectl takes them). */
export function durationMs(duration: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(duration)} (expected e.g. 15m, 90s)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

export interface JobWait {
  /** The commands to read, one per namespace (`kubectl -n <ns> get job/<a> ... -o json`). */
  readonly reads: readonly (readonly string[])[];
  /** As the plan prints it: `15m`. */
  readonly timeout: string;
  readonly everyMs: number;
  /** Runs one read: its exit status, stdout and stderr. */
  readonly read: (argv: readonly string[]) => { status: number | null; stdout?: string; stderr?: string };
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => void;
  readonly now: () => number;
}

/** What one round of reads decided: settled (with the error, or none when all is done), or still waiting for `pending`. */
export type PollVerdict = { readonly settled: true; readonly error?: string } | { readonly settled: false; readonly pending: string };

/**
 * Runs the reads of `w` every `w.everyMs` until `judge` settles them or the time is up: the error,
 * or undefined when everything is done. `parse` turns one read's output into states (or an error);
 * a read that fails is an error naming `what`.
 */
export function pollReads<S>(w: JobWait, what: string, parse: (output: string, argv: readonly string[]) => S[] | string, judge: (states: S[]) => PollVerdict, late: string): string | undefined {
  const deadline = w.now() + durationMs(w.timeout);
  for (;;) {
    const states: S[] = [];
    for (const argv of w.reads) {
      const r = w.read(argv);
      if (r.status !== 0) return `could not read ${what} (${argv.join(' ')}, exit ${r.status}): ${(r.stderr ?? '').trim()}`;
      const read = parse(r.stdout ?? '', argv);
      if (typeof read === 'string') return read;
      states.push(...read);
    }
    const verdict = judge(states);
    if (verdict.settled) return verdict.error;
    if (w.now() >= deadline) return `${late} after ${w.timeout}: ${verdict.pending}`;
    w.sleep(w.everyMs);
  }
}

/** Polls until every Job is Complete (undefined) or one is Failed, a read fails, or the time is up (the error). */
export function waitForJobs(w: JobWait): string | undefined {
  const seen = new Map<string, string>();
  const parse = (output: string, argv: readonly string[]) => {
    const read = jobStates(output);
    const ns = argv[argv.indexOf('-n') + 1];
    const absent = argv.filter((a) => a.startsWith('job/')).map((a) => `${ns}/${a.slice('job/'.length)}`).filter((j) => !read.some((s) => s.job === j));
    return absent.length ? `could not read the Jobs (${argv.join(' ')}): ${absent.join(', ')} not in its output` : read;
  };
  const judge = (states: JobState[]): PollVerdict => {
    for (const s of states) {
      const progress = s.state === 'running' ? (s.failedPods ? `${s.failedPods} pod(s) failed, retrying (backoffLimit ${s.backoffLimit ?? 6})` : 'running') : s.state;
      if (seen.get(s.job) !== progress) w.log(`job ${s.job}: ${progress}`);
      seen.set(s.job, progress);
    }
    const failed = states.find((s) => s.state === 'failed');
    if (failed) {
      const ns = failed.job.split('/')[0];
      const name = failed.job.slice(ns!.length + 1);
      return {
        settled: true,
        error:
          `Job ${failed.job} failed (${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}); nothing of phase 05 was applied, so the running Deployments keep their spec. ` +
          `Its pods' logs: kubectl -n ${ns} logs job/${name}. A failed Job is not re-run: change it (a new Job) or delete it, then apply again`,
      };
    }
    if (states.every((s) => s.state === 'complete')) return { settled: true };
    return { settled: false, pending: states.filter((s) => s.state !== 'complete').map((s) => s.job).join(', ') };
  };
  return pollReads(w, 'the Jobs', parse, judge, 'Jobs not Complete');
}

// ---------------------------------------------------------------------------------------------
// The plan's part

/**
 * After phase 04's apply: the database Clusters a Job may need, then the Jobs. Clusters are waited
 * for only in namespaces where phase 04 has Jobs: a migration connects once and burns its retries
 * while a new Cluster is still initialising, whereas a Deployment's pods just retry until the
 * database answers (and `rollout status` waits for them). Waiting for every Cluster would make
 * each deploy hostage to every database's health (a failover, a restore) for nothing.
 */
/**
 * The Jobs gate what rolls out in their namespace: read whenever this run writes anything of the
 * namespace's apps (04 or 05), so a Job that failed in an earlier run still stops a new rollout;
 * skipped where nothing of the app changed (nothing would roll out).
 */
const GATED: readonly Phase[] = ['04-apps', '05-rollouts'];

export function jobSteps(objects: readonly DistObject[], t: typeof DEFAULT_TIMEOUTS): Step[] {
  const jobs = objects.filter((o) => isKind(o, 'batch', 'Job'));
  const steps: Step[] = [];
  for (const ns of uniqueSorted(jobs.map(namespaceOf))) {
    const clusters = objects.filter((o) => isKind(o, 'postgresql.cnpg.io', 'Cluster') && namespaceOf(o) === ns);
    if (clusters.length) {
      steps.push({
        phase: '04-apps',
        kind: 'wait',
        title: `database Clusters of ${ns} Ready (its Jobs may need them)`,
        argv: ['kubectl', '-n', ns, 'wait', '--for=condition=Ready', `--timeout=${t.database}`, ...clusters.map((c) => `cluster.postgresql.cnpg.io/${c.manifest.metadata.name}`)],
        customKinds: [],
        when: { phases: GATED, namespace: ns },
      });
    }
  }
  for (const ns of uniqueSorted(jobs.map(namespaceOf))) {
    const here = jobs.filter((j) => namespaceOf(j) === ns);
    // A Job with a longer activeDeadlineSeconds than the default timeout gets its deadline and a minute: the Job controller fails it then.
    const deadline = Math.max(0, ...here.map((j) => Number((j.manifest.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds ?? 0)));
    const timeout = (deadline + 60) * 1000 > durationMs(t.job) ? `${deadline + 60}s` : t.job;
    steps.push({
      phase: '04-apps',
      kind: 'jobs',
      title: `Jobs of ${ns} Complete before anything rolls out (read every ${JOB_POLL_MS / 1000} s; the first Failed one stops the run; timeout ${timeout})`,
      argv: ['kubectl', '-n', ns, 'get', ...here.map((j) => `job/${j.manifest.metadata.name}`), '-o', 'json'],
      customKinds: [],
      timeout,
      when: { phases: GATED, namespace: ns },
    });
  }
  return steps;
}
