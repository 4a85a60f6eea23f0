import { groupOf, PHASES, type Phase } from '../render';
import { toSend, type Send } from './converge';
import { kubectlTarget, liveNames, type Inventory, type LiveObject, type Member } from './inventory';
import type { Step } from './steps';

/*
 * What a run writes, judged once after the inventory (the steps' `when` reads it), and what a
 * phase's prune leaves to do. Used by run.ts.
 */

/**
 * What a phase's prune leaves to do: a pruned Namespace takes its objects with it, and later phases
 * must not find members vanishing under them, so it is waited for until it is gone; labels added by
 * hand go once, after the phase the object is rendered in now. Returns an error.
 */
export function afterPrune(phase: Phase, inventory: Inventory, run: (argv: readonly string[]) => boolean, namespaceTimeout: string): string | undefined {
  const namespaces = inventory.pruned.filter((m) => m.phase === phase && m.live.kind === 'Namespace' && !groupOf(m.live.apiVersion));
  if (namespaces.length && !run(['kubectl', 'wait', '--for=delete', `--timeout=${namespaceTimeout}`, ...namespaces.map((m) => `namespace/${m.live.metadata.name}`)])) {
    return `pruned namespaces did not finish deleting: ${liveNames(namespaces)}`;
  }
  const phaseNow = (member: Member) => inventory.moved.find((m) => m.member === member)?.to ?? member.phase;
  for (const { member, keys } of inventory.extraLabels.filter((e) => phaseNow(e.member) === phase)) {
    if (!run(['kubectl', 'label', ...kubectlTarget(member.live), ...keys.map((k) => `${k}-`)])) return `could not remove the labels ${keys.join(', ')} from ${liveNames([member])}`;
  }
  return undefined;
}

/** What this run writes, by phase, judged once after the inventory: what it sends (applyPhase sends it), the keys it sends or prunes and their namespaces (for the steps' `when`). */
export type Writes = Map<Phase, { keys: Set<string>; namespaces: Set<string>; sends: Send[] }>;

export function writesOf(steps: readonly Step[], inventory: Inventory | undefined, live: ReadonlyMap<string, LiveObject>): Writes {
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
export function applies(step: Step, writes: Writes): boolean {
  if (!step.when) return true;
  return step.when.phases.some((p) => {
    const w = writes.get(p)!;
    if (step.when!.keys) return step.when!.keys.some((k) => w.keys.has(k));
    return step.when!.namespace === undefined ? w.keys.size > 0 : w.namespaces.has(step.when!.namespace);
  });
}

