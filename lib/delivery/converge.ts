import type { Manifest, Phase } from '../render';
import { resourceRef, type Inventory, type LiveObject, type Member } from './inventory';
import { asApplied, whySend } from './live-diff';
import { displayName, type DistObject } from './manifests';
import { coverMembers, groupKindOf, recordMembers, type ParentIo } from './parents';
import { commandLine, type Step } from './steps';

/*
 * One phase of the apply, written as the difference between dist/ and the live objects the
 * inventory read (lib/delivery/live-diff.ts): the objects the cluster does not hold as dist/ says,
 * sent as one List in dist/'s order (server-side apply, validation by the API server), then the
 * members dist/ no longer has deleted, then the parent's record narrowed to what the phase holds.
 * A phase whose objects are all in place writes nothing; the runner then skips its waits.
 */

export interface PhaseContext extends ParentIo {
  readonly inventory: Inventory;
  /** Live members by object key (lib/delivery/manifests.ts objectKey). */
  readonly live: ReadonlyMap<string, LiveObject>;
  readonly parents: Map<string, LiveObject>;
  readonly dryRun: boolean;
}

export interface Sent {
  readonly objects: DistObject[];
  readonly error?: string;
}

/** An object the apply sends: dist/'s, as sent (asApplied), and why. */
export interface Send {
  readonly object: DistObject;
  readonly applied: Manifest;
  readonly why: string;
}

/** The objects of a phase that must be sent, each with the reason, in dist/'s order. */
export function toSend(objects: readonly DistObject[], phase: Phase, live: ReadonlyMap<string, LiveObject>): Send[] {
  return objects.flatMap((object) => {
    const applied = asApplied(object.manifest, phase);
    const why = whySend(applied, live.get(object.key));
    return why ? [{ object, applied, why }] : [];
  });
}

/** The `apply` step of a phase: only what differs (`sends`, toSend's judgement after the inventory), as one List on stdin. */
export function applyPhase(step: Step, sends: readonly Send[], ctx: PhaseContext): Sent {
  const phase = step.phase as Phase;
  const objects = step.objects ?? [];
  if (!sends.length) {
    ctx.log(`${phase}: all ${objects.length} object(s) are in the cluster as dist/ has them; nothing sent`);
    return { objects: [] };
  }
  const shown = sends.slice(0, 20).map((s) => `  ${displayName(s.object.manifest)}: ${s.why}`);
  ctx.log(`${phase}: sending ${sends.length} of ${objects.length} object(s)\n${shown.join('\n')}${sends.length > shown.length ? `\n  ... and ${sends.length - shown.length} more` : ''}`);
  if (!ctx.dryRun) {
    const covered = coverMembers(phase, sends.map((s) => s.applied as unknown as LiveObject), ctx.parents, ctx);
    if (covered) return { objects: [], error: covered };
  }
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: sends.map((s) => s.applied) });
  ctx.log(`$ ${commandLine(step)}`);
  const r = ctx.spawn(step.argv, { env: { ...ctx.env, ...step.env }, input, capture: false });
  if (r.status !== 0) return { objects: [], error: `step failed (exit ${r.status}): ${commandLine(step)}` };
  return { objects: sends.map((s) => s.object) };
}

/** The `prune` step of a phase: the members the inventory found dist/ no longer has (the guard has judged them), deleted; then the parent narrowed. */
export function prunePhase(step: Step, ctx: PhaseContext): { pruned: Member[]; error?: string } {
  const phase = step.phase as Phase;
  const moved = new Set(ctx.inventory.moved.map((m) => m.member.key));
  const pruned = ctx.inventory.pruned.filter((m) => m.phase === phase && !moved.has(m.key));
  if (pruned.length) {
    const items = pruned.map(({ live }) => ({ apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata.name, ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}) } }));
    ctx.log(`$ ${commandLine(step)}   # ${pruned.map((m) => displayName(m.live as Manifest)).join(', ')}`);
    const r = ctx.spawn(step.argv, { env: ctx.env, input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }), capture: false });
    if (r.status !== 0) return { pruned: [], error: `could not prune ${pruned.map((m) => displayName(m.live as Manifest)).join(', ')} (exit ${r.status})` };
    // As `kubectl apply --prune` reports them.
    for (const { live } of pruned) ctx.log(`${resourceRef(live)} pruned${ctx.dryRun ? ' (server dry run)' : ''}`);
  }
  if (ctx.dryRun) return { pruned };
  // As kubectl after its prune: the parent records exactly the kinds and namespaces the phase now holds.
  const objects = step.objects ?? [];
  const narrowed = recordMembers(
    phase,
    objects.map((o) => groupKindOf(o.manifest)),
    objects.flatMap((o) => (o.manifest.metadata.namespace ? [o.manifest.metadata.namespace] : [])),
    ctx.parents,
    ctx,
    'records exactly what the phase holds',
  );
  return { pruned, ...(narrowed ? { error: narrowed } : {}) };
}
