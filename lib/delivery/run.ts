import type { ApplyReport } from '../report/deploy-report';
import { PHASES, type Manifest, type Phase } from '../render';
import { applyPhase, prunePhase, toSend, type PhaseContext } from './converge';
import type { GuardOptions } from './guard';
import type { Inventory, LiveObject } from './inventory';
import { durationMs, waitForJobs } from './jobs';
import { displayName, parseDiffObjects } from './manifests';
import { ensureParents } from './parents';
import { policyRefusal } from './policy-check';
import { waitForPresence } from './presence';
import { waitForRecovery } from './recovery';
import { ROLLOUT_POLL_MS, waitForRollouts } from './rollouts';
import { runHealthStep, runHelmStep, runWorkloadsStep, staleAfterSend, staleInstallJobs, waitForRemovedCharts, type HealthContext, type HealthOutcome } from './run-health';
import { RunRecorder } from './run-report';
import { commandLine, DEFAULT_TIMEOUTS, JOB_POLL_MS, shellQuote, type Step, type StepKind } from './steps';
import { inventoryDrift, takeInventory } from './take-inventory';
import { afterPrune, applies, writesOf, type Writes } from './writes';

export { diffFileName, parseDiffObjects } from './manifests';

/*
 * Running the plan (lib/delivery/plan.ts) step by step: the inventory and the prune guard before
 * anything is written (take-inventory.ts), the ApplySet parents created once and moved objects
 * relabelled (parents.ts), each phase's apply of what differs and prune of what dist/ dropped
 * (converge.ts), then what a prune leaves to do (pruned namespaces gone, hand-added labels
 * removed), the Job, recovery and rollout polls and the waits. A wait whose `when` this run's
 * writes do not meet is skipped: a re-apply that changes nothing writes and waits for nothing.
 * The first failure stops the run.
 */

export interface SpawnResult {
  readonly status: number | null;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Runs one command. `capture`: return stdout and stderr (and still show them, unless `quiet`); otherwise both are inherited. */
export type Spawner = (argv: readonly string[], opts: { env: NodeJS.ProcessEnv; input?: string; capture: boolean; quiet?: boolean }) => SpawnResult;

export interface RunOptions extends GuardOptions {
  readonly mode: 'apply' | 'dry-run' | 'drift';
  readonly env: NodeJS.ProcessEnv;
  readonly spawn: Spawner;
  readonly log: (line: string) => void;
  /** Blocks between the reads of a Job poll (default: really sleeps; tests pass a fake clock). */
  readonly sleep?: (ms: number) => void;
  readonly now?: () => number;
  /** The waits' bounds (the plan's, with `--timeout name=duration` applied). */
  readonly timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
}

export interface RunResult {
  /** 0 done; 1 drift found (drift mode); 2 a command failed; 3 the prune guard refused. */
  readonly code: 0 | 1 | 2 | 3;
  readonly message: string;
  /** Steps actually run, by index in the plan. */
  readonly ran: number[];
}

/** The run's outcome with what it did (`--report`). */
export interface RunOutcome extends RunResult {
  readonly report: ApplyReport;
}


const CAPTURED: readonly StepKind[] = ['policy', 'inventory', 'diff'];
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function runPlan(steps: readonly Step[], opts: RunOptions): RunOutcome {
  const rec = new RunRecorder(opts.now ?? Date.now);
  const failedObjects: string[] = [];
  const result = runSteps(steps, opts, rec, failedObjects);
  const last = steps[result.ran.at(-1) ?? -1];
  const failed = result.code >= 2 ? { phase: last?.phase ?? 'setup', step: last?.title ?? 'before any step', objects: failedObjects } : undefined;
  return { ...result, report: rec.report(opts.mode, result.code, result.message, failed) };
}

function runSteps(steps: readonly Step[], opts: RunOptions, rec: RunRecorder, failedObjects: string[]): RunResult {
  // Fail before touching anything when secret zero cannot be built.
  for (const step of steps.filter((s) => s.kind === 'secret')) {
    try {
      step.stdin!.render(opts.env);
    } catch (err) {
      return { code: 2, message: (err as Error).message, ran: [] };
    }
  }
  const ran: number[] = [];
  const drift: string[] = [];
  let inventory: Inventory | undefined;
  let live = new Map<string, LiveObject>();
  let writes: Writes = writesOf([], undefined, live);
  /** The ApplySet parents as the cluster has them, by name. */
  const parents = new Map<string, LiveObject>();
  const run = (argv: readonly string[], env: NodeJS.ProcessEnv = opts.env) => {
    opts.log(`$ ${argv.map(shellQuote).join(' ')}`);
    return opts.spawn(argv, { env, capture: false }).status === 0;
  };
  const poll = (env: NodeJS.ProcessEnv) => ({
    everyMs: JOB_POLL_MS,
    read: (argv: readonly string[]) => opts.spawn(argv, { env, capture: true, quiet: true }),
    log: opts.log,
    sleep: opts.sleep ?? sleepSync,
    now: opts.now ?? Date.now,
  });

  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const healthContext = (env: NodeJS.ProcessEnv): HealthContext => ({ poll: poll(env), env, read: poll(env).read, log: opts.log, timeouts });
  /** Records a health outcome; returns the run's failure when it has one. */
  const judged = (phase: string, outcome: HealthOutcome | undefined, i: number): RunResult | undefined => {
    if (!outcome) return undefined;
    rec.health(phase, outcome.checks);
    if (!outcome.error) return undefined;
    failedObjects.push(...outcome.checks.flatMap((c) => c.problems.map((p) => p.object)));
    return { code: 2, message: outcome.error, ran: ran.includes(i) ? ran : [...ran, i] };
  };
  /** helm-install Jobs that were there before phase 02 sent their charts (helm-controller replaces them). */
  let staleJobs = new Set<string>();

  /** Steps already run as part of a group (consecutive Job polls run as one). */
  const done = new Set<number>();

  for (const [i, step] of steps.entries()) {
    if (done.has(i)) continue;
    if (!applies(step, writes)) {
      opts.log(`\n# [${step.phase}] ${step.title}\n# skipped: this run writes nothing it waits for`);
      continue;
    }
    const env = { ...opts.env, ...step.env };
    rec.enter(step.phase);
    if (step.kind === 'apply' || step.kind === 'prune') {
      opts.log(`\n# [${step.phase}] ${step.title}`);
      const ctx: PhaseContext = { inventory: inventory ?? { pruned: [], moved: [], extraLabels: [], missing: [] }, live, parents, dryRun: opts.mode !== 'apply', env, spawn: opts.spawn, log: opts.log };
      ran.push(i);
      if (step.kind === 'apply') {
        const sends = writes.get(step.phase as Phase)!.sends;
        const before = opts.mode === 'apply' && sends.some((s) => s.object.manifest.kind === 'HelmChart') ? staleInstallJobs(sends, live, healthContext(env)) : undefined;
        const sent = applyPhase(step, sends, ctx);
        if (sent.error) return { code: 2, message: sent.error, ran };
        if (before?.uids.size) staleJobs = staleAfterSend(before, healthContext(env));
        rec.sent(step.phase, opts.mode === 'apply' || opts.mode === 'dry-run' ? sends.map((s) => `${displayName(s.object.manifest)}: ${s.why}`) : []);
        continue;
      }
      const pruned = prunePhase(step, ctx);
      if (pruned.error) return { code: 2, message: pruned.error, ran };
      rec.pruned(step.phase, pruned.pruned.map((m) => displayName(m.live as Manifest)));
      if (opts.mode === 'apply' && inventory) {
        const cleaned = afterPrune(step.phase as Phase, inventory, run, timeouts.namespace);
        if (cleaned) return { code: 2, message: cleaned, ran };
        const removed = judged(step.phase, waitForRemovedCharts(step.phase as Phase, pruned.pruned, healthContext(env)), i);
        if (removed) return removed;
      }
      continue;
    }
    opts.log(`\n# [${step.phase}] ${step.title}\n$ ${commandLine(step)}`);
    let input = step.stdin?.render(opts.env);
    if (step.kind === 'present') {
      ran.push(i);
      const failed = waitForPresence({ ...poll(env), reads: [step.argv], timeout: step.timeout ?? timeouts.crd }, step.presence!);
      if (failed) return { code: 2, message: `${step.title.split(' (read every')[0]}: ${failed}`, ran };
      continue;
    }
    if (step.kind === 'helm' || step.kind === 'workloads' || step.kind === 'health') {
      ran.push(i);
      const ctx = healthContext(env);
      const keys = new Set((step.objects ?? []).map((o) => o.key).filter((k) => step.phase === 'end' || PHASES.some((p) => writes.get(p)!.keys.has(k))));
      const outcome = step.kind === 'helm' ? runHelmStep(step, staleJobs, ctx) : step.kind === 'workloads' ? runWorkloadsStep(step, ctx) : runHealthStep(step, keys, ctx);
      const failure = judged(step.phase, outcome, i);
      if (failure) return failure;
      continue;
    }
    if (step.kind === 'diff') {
      // Judged from the inventory's read, as the apply judges what to send; kubectl diff shows (and confirms) only those that differ.
      const differing = toSend([...(step.dist?.values() ?? [])], step.phase as Phase, live).filter((s) => live.has(s.object.key));
      ran.push(i);
      if (!differing.length) {
        opts.log(`${step.phase}: every object in the cluster is as dist/ has it`);
        continue;
      }
      for (const d of differing) opts.log(`  ${displayName(d.object.manifest)}: ${d.why}`);
      const result = opts.spawn(step.argv, { env, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: differing.map((d) => d.applied) }), capture: true });
      if (result.status === 1) drift.push(`differs from dist/${step.phase}: ${parseDiffObjects(result.stdout ?? '', step.dist?.values()).join(', ') || 'see the diff above'}`);
      else if (result.status !== 0) return { code: 2, message: `kubectl diff failed (exit ${result.status})`, ran };
      continue;
    }
    if (step.kind === 'rollout') {
      const keys = new Set((step.objects ?? []).map((o) => o.key).filter((k) => PHASES.some((p) => writes.get(p)!.keys.has(k))));
      ran.push(i);
      if (!keys.size) {
        opts.log('no app workload was sent in this run: nothing rolls out');
        continue;
      }
      const failed = waitForRollouts({ ...poll(env), everyMs: ROLLOUT_POLL_MS, reads: [step.argv], timeout: step.timeout ?? timeouts.rollout }, keys);
      if (failed) return { code: 2, message: failed, ran };
      continue;
    }
    if (step.kind === 'jobs' || step.kind === 'recovery') {
      // Every namespace's reads together, so that a failure anywhere stops the run at once.
      const group = [i];
      while (steps[group.at(-1)! + 1]?.kind === step.kind) group.push(group.at(-1)! + 1);
      const running = group.filter((j) => applies(steps[j]!, writes));
      for (const j of running.slice(1)) opts.log(`# [${steps[j]!.phase}] ${steps[j]!.title}\n$ ${commandLine(steps[j]!)}`);
      group.forEach((j) => done.add(j));
      running.forEach((j) => ran.push(j));
      const failed = (step.kind === 'jobs' ? waitForJobs : waitForRecovery)({
        ...poll(env),
        reads: running.map((j) => steps[j]!.argv),
        timeout: running.map((j) => steps[j]!.timeout ?? timeouts[step.kind === 'jobs' ? 'job' : 'recovery']).sort((a, b) => durationMs(b) - durationMs(a))[0]!,
      });
      if (failed) return { code: 2, message: failed, ran };
      continue;
    }
    if (step.kind === 'parents') {
      const made = ensureParents(step, input!, parents, opts.mode === 'apply' ? (inventory?.moved ?? []) : [], { ...opts, env });
      if (made.created) ran.push(i);
      if (made.error) return { code: 2, message: made.error, ran: made.created ? ran : [...ran, i] };
      continue;
    }
    const result = opts.spawn(step.argv, { env, input, capture: CAPTURED.includes(step.kind), quiet: step.kind === 'inventory' || step.kind === 'policy' });
    ran.push(i);

    if (step.kind === 'policy') {
      const refusal = policyRefusal(step, result);
      if (refusal) return { code: 2, message: refusal, ran };
      opts.log('admission policy: the one this dist/ needs');
      continue;
    }
    if (step.kind === 'inventory') {
      if (result.status !== 0) {
        if (opts.mode === 'apply') return { code: 2, message: `reading the ApplySet parents failed: ${(result.stderr ?? '').trim()}`, ran };
        opts.log(`inventory: no ApplySet parents readable (${(result.stderr ?? '').trim()}); nothing was applied before`);
        writes = writesOf(steps, undefined, live);
        if (opts.mode === 'drift') drift.push('nothing was ever applied');
        continue;
      }
      for (const parent of (JSON.parse(result.stdout || '{"items":[]}') as { items: LiveObject[] }).items) parents.set(parent.metadata.name, parent);
      const checked = takeInventory(step, result, opts);
      if (!checked.ok) return { ...checked.result, ran };
      inventory = checked.inventory;
      live = checked.live;
      writes = writesOf(steps, inventory, live);
      if (opts.mode === 'drift') drift.push(...inventoryDrift(inventory));
      continue;
    }
    if (result.status !== 0) return { code: 2, message: `step failed (exit ${result.status}): ${commandLine(step)}`, ran };
  }
  if (drift.length) return { code: 1, message: `drift: the cluster differs from dist/:\n  ${drift.join('\n  ')}`, ran };
  return { code: 0, message: opts.mode === 'drift' ? 'no drift' : 'done', ran };
}
