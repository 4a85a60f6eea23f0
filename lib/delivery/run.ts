import { groupOf, PHASES, type Manifest, type Phase } from '../render';
import { applyPhase, prunePhase, toSend, type PhaseContext, type Send } from './converge';
import type { GuardOptions } from './guard';
import { kubectlTarget, type Inventory, type LiveObject, type Member } from './inventory';
import { durationMs, waitForJobs } from './jobs';
import { displayName, parseDiffObjects } from './manifests';
import { moveMember } from './parents';
import { policyRefusal } from './policy-check';
import { waitForPresence } from './presence';
import { waitForRecovery } from './recovery';
import { ROLLOUT_POLL_MS, waitForRollouts } from './rollouts';
import { commandLine, DEFAULT_TIMEOUTS, JOB_POLL_MS, shellQuote, type Step, type StepKind } from './steps';
import { takeInventory } from './take-inventory';

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
}

export interface RunResult {
  /** 0 done; 1 drift found (drift mode); 2 a command failed; 3 the prune guard refused. */
  readonly code: 0 | 1 | 2 | 3;
  readonly message: string;
  /** Steps actually run, by index in the plan. */
  readonly ran: number[];
}


const CAPTURED: readonly StepKind[] = ['policy', 'inventory', 'diff'];
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const names = (xs: readonly { live: LiveObject }[] | readonly LiveObject[]) =>
  xs.map((x) => displayName(('live' in x ? x.live : x) as Manifest)).join(', ');

/**
 * What a phase's prune leaves to do: a pruned Namespace takes its objects with it, and later phases
 * must not find members vanishing under them, so it is waited for until it is gone; labels added by
 * hand go once, after the phase the object is rendered in now. Returns an error.
 */
function afterPrune(phase: Phase, inventory: Inventory, run: (argv: readonly string[]) => boolean): string | undefined {
  const namespaces = inventory.pruned.filter((m) => m.phase === phase && m.live.kind === 'Namespace' && !groupOf(m.live.apiVersion));
  if (namespaces.length && !run(['kubectl', 'wait', '--for=delete', `--timeout=${DEFAULT_TIMEOUTS.namespace}`, ...namespaces.map((m) => `namespace/${m.live.metadata.name}`)])) {
    return `pruned namespaces did not finish deleting: ${names(namespaces)}`;
  }
  const phaseNow = (member: Member) => inventory.moved.find((m) => m.member === member)?.to ?? member.phase;
  for (const { member, keys } of inventory.extraLabels.filter((e) => phaseNow(e.member) === phase)) {
    if (!run(['kubectl', 'label', ...kubectlTarget(member.live), ...keys.map((k) => `${k}-`)])) return `could not remove the labels ${keys.join(', ')} from ${names([member])}`;
  }
  return undefined;
}

/** What this run writes, by phase, judged once after the inventory: what it sends (applyPhase sends it), the keys it sends or prunes and their namespaces (for the steps' `when`). */
type Writes = Map<Phase, { keys: Set<string>; namespaces: Set<string>; sends: Send[] }>;

function writesOf(steps: readonly Step[], inventory: Inventory | undefined, live: ReadonlyMap<string, LiveObject>): Writes {
  const writes: Writes = new Map(PHASES.map((p) => [p, { keys: new Set<string>(), namespaces: new Set<string>(), sends: [] as Send[] }]));
  for (const step of steps.filter((s) => s.kind === 'apply')) {
    const w = writes.get(step.phase as Phase)!;
    w.sends = toSend(step.objects ?? [], step.phase as Phase, live);
    for (const { object } of w.sends) (w.keys.add(object.key), w.namespaces.add(object.manifest.metadata.namespace ?? ''));
  }
  for (const m of inventory?.pruned ?? []) (writes.get(m.phase)!.keys.add(m.key), writes.get(m.phase)!.namespaces.add(m.live.metadata.namespace ?? ''));
  return writes;
}

/** Whether a step's `when` holds for this run's writes (a step without one always runs). */
function applies(step: Step, writes: Writes): boolean {
  if (!step.when) return true;
  return step.when.phases.some((p) => {
    const w = writes.get(p)!;
    if (step.when!.keys) return step.when!.keys.some((k) => w.keys.has(k));
    return step.when!.namespace === undefined ? w.keys.size > 0 : w.namespaces.has(step.when!.namespace);
  });
}

export function runPlan(steps: readonly Step[], opts: RunOptions): RunResult {
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

  /** Steps already run as part of a group (consecutive Job polls run as one). */
  const done = new Set<number>();

  for (const [i, step] of steps.entries()) {
    if (done.has(i)) continue;
    if (!applies(step, writes)) {
      opts.log(`\n# [${step.phase}] ${step.title}\n# skipped: this run writes nothing it waits for`);
      continue;
    }
    const env = { ...opts.env, ...step.env };
    if (step.kind === 'apply' || step.kind === 'prune') {
      opts.log(`\n# [${step.phase}] ${step.title}`);
      const ctx: PhaseContext = { inventory: inventory ?? { pruned: [], moved: [], extraLabels: [], missing: [] }, live, parents, dryRun: opts.mode !== 'apply', env, spawn: opts.spawn, log: opts.log };
      ran.push(i);
      if (step.kind === 'apply') {
        const sent = applyPhase(step, writes.get(step.phase as Phase)!.sends, ctx);
        if (sent.error) return { code: 2, message: sent.error, ran };
        continue;
      }
      const pruned = prunePhase(step, ctx);
      if (pruned.error) return { code: 2, message: pruned.error, ran };
      if (opts.mode === 'apply' && inventory) {
        const cleaned = afterPrune(step.phase as Phase, inventory, run);
        if (cleaned) return { code: 2, message: cleaned, ran };
      }
      continue;
    }
    opts.log(`\n# [${step.phase}] ${step.title}\n$ ${commandLine(step)}`);
    let input = step.stdin?.render(opts.env);
    if (step.kind === 'present') {
      ran.push(i);
      const failed = waitForPresence({ ...poll(env), reads: [step.argv], timeout: step.timeout ?? DEFAULT_TIMEOUTS.crd }, step.presence!);
      if (failed) return { code: 2, message: `${step.title.split(' (read every')[0]}: ${failed}`, ran };
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
      const failed = waitForRollouts({ ...poll(env), everyMs: ROLLOUT_POLL_MS, reads: [step.argv], timeout: step.timeout ?? DEFAULT_TIMEOUTS.rollout }, keys);
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
        timeout: running.map((j) => steps[j]!.timeout ?? DEFAULT_TIMEOUTS[step.kind === 'jobs' ? 'job' : 'recovery']).sort((a, b) => durationMs(b) - durationMs(a))[0]!,
      });
      if (failed) return { code: 2, message: failed, ran };
      continue;
    }
    if (step.kind === 'parents') {
      // Only the missing ones: re-applying an existing parent would reset what kubectl recorded in it.
      const list = JSON.parse(input!) as { items: LiveObject[] };
      list.items = list.items.filter((p) => !parents.has(p.metadata.name));
      if (list.items.length) {
        input = JSON.stringify(list);
        const created = opts.spawn(step.argv, { env, input, capture: false });
        ran.push(i);
        if (created.status !== 0) return { code: 2, message: `step failed (exit ${created.status}): ${commandLine(step)}`, ran };
        list.items.forEach((p) => parents.set(p.metadata.name, p));
      } else {
        opts.log('all ApplySet parents exist; kubectl keeps them up to date');
      }
      if (opts.mode === 'apply') {
        for (const { member, to } of inventory?.moved ?? []) {
          const moved = moveMember(member, to, parents, { ...opts, env });
          if (moved) return { code: 2, message: moved, ran };
        }
      }
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
      if (opts.mode === 'drift') {
        if (inventory.pruned.length) drift.push(`not in dist/: ${names(inventory.pruned)}`);
        if (inventory.moved.length) drift.push(`in another phase's ApplySet: ${names(inventory.moved.map((m) => m.member))}`);
        if (inventory.extraLabels.length) drift.push(`labels added by hand: ${inventory.extraLabels.map((e) => `${names([e.member])} (${e.keys.join(', ')})`).join('; ')}`);
        if (inventory.missing.length) drift.push(`missing from the cluster: ${inventory.missing.map((o) => displayName(o.manifest)).join(', ')}`);
      }
      continue;
    }
    if (result.status !== 0) return { code: 2, message: `step failed (exit ${result.status}): ${commandLine(step)}`, ran };
  }
  if (drift.length) return { code: 1, message: `drift: the cluster differs from dist/:\n  ${drift.join('\n  ')}`, ran };
  return { code: 0, message: opts.mode === 'drift' ? 'no drift' : 'done', ran };
}
