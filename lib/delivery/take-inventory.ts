import { RECOVERY_LABEL } from '../constructs/recovery';
import { PHASES } from '../render';
import { applySetId, applySetName } from './applyset';
import { checkPrune, replacedBy, volumeOverwrites, type GuardOptions } from './guard';
import { analyzeInventory, chartsStillServing, liveNames, membersOf, PART_OF_LABEL, resourceRef, type Inventory, type LiveObject, type Member } from './inventory';
import { displayName } from './manifests';
import { shellQuote, type Step } from './steps';

/*
 * The runner's inventory step (lib/delivery/run.ts): every ApplySet's members read with one list
 * per ApplySet (every kind it records, every namespace), compared with dist/ (inventory.ts), and
 * the prune guard's verdict on the whole run, before anything is written. The members' live
 * objects are also what the apply compares dist/ with (converge.ts).
 */

export interface InventoryIo extends GuardOptions {
  readonly mode: 'apply' | 'dry-run' | 'drift';
  readonly env: NodeJS.ProcessEnv;
  readonly spawn: (argv: readonly string[], opts: { env: NodeJS.ProcessEnv; capture: boolean; quiet?: boolean }) => { status: number | null; stdout?: string; stderr?: string };
  readonly log: (line: string) => void;
}

const phaseOfParent = new Map(PHASES.map((p) => [applySetName(p), p]));

/** `Deployment.apps` (a contains-group-kinds entry) -> `deployment.apps`, as kubectl get takes it. */
const resourceOfGroupKind = (gk: string) => {
  const [kind, ...group] = gk.split('.');
  return [kind!.toLowerCase(), ...group].join('.');
};

export type Checked = { ok: true; inventory: Inventory; live: Map<string, LiveObject> } | { ok: false; result: { code: 2 | 3; message: string } };

/** Reads every ApplySet's members (kubectl get) and judges the whole run before anything is written. */
export function takeInventory(step: Step, first: { stdout?: string }, opts: InventoryIo): Checked {
  const env = opts.env;
  const parents = JSON.parse(first.stdout || '{"items":[]}') as { items: LiveObject[] };
  const members: Member[] = [];
  for (const parent of parents.items) {
    const phase = phaseOfParent.get(parent.metadata.name);
    const gks = (parent.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds'] ?? '').split(',').filter(Boolean);
    if (!phase || !gks.length) continue;
    const argv = ['kubectl', 'get', gks.map(resourceOfGroupKind).join(','), '--all-namespaces', '-l', `${PART_OF_LABEL}=${applySetId(phase)}`, '-o', 'json'];
    opts.log(`$ ${argv.map(shellQuote).join(' ')}`);
    const r = opts.spawn(argv, { env, capture: true, quiet: true });
    if (r.status !== 0) return { ok: false, result: { code: 2, message: `could not list the members of ApplySet ${parent.metadata.name}: ${(r.stderr ?? '').trim()}` } };
    members.push(...membersOf(phase, JSON.parse(r.stdout || '{}')));
  }
  const inventory = analyzeInventory(step.dist!, members);
  const { pruned, moved, extraLabels, missing } = inventory;
  opts.log(`inventory: ${members.length} object(s) in the cluster's ApplySets, ${step.dist!.size} in dist/`);
  if (pruned.length) opts.log(`  no longer in dist/ (to prune): ${liveNames(pruned)}`);
  if (moved.length) opts.log(`  moved to another phase: ${moved.map((m) => `${liveNames([m.member])} (${m.member.phase} -> ${m.to})`).join(', ')}`);
  if (extraLabels.length) opts.log(`  labels not in dist/: ${extraLabels.map((e) => `${liveNames([e.member])} (${e.keys.join(', ')})`).join('; ')}`);
  if (missing.length && opts.mode === 'drift') opts.log(`  in dist/ but not in the cluster: ${missing.map((o) => displayName(o.manifest)).join(', ')}`);

  // Removing a chart whose CRDs dist/ still uses is never right, whatever the flags say.
  const serving = chartsStillServing(pruned, step.dist!);
  if (serving.length) return { ok: false, result: { code: 3, message: `refused before anything was written: ${serving.join('; ')}` } };
  // The deploy identity may not delete a CRD (it takes every object of its kind along): an admin's step, said before anything is written.
  const crds = pruned.filter((m) => m.live.kind === 'CustomResourceDefinition');
  if (crds.length && opts.mode !== 'drift') {
    const refs = crds.map((m) => `crd/${m.live.metadata.name}`).join(' ');
    return { ok: false, result: { code: 3, message: `refused before anything was written: ${liveNames(crds)} is no longer in dist/, and deleting a CRD deletes every object of its kind, which the deploy identity may not do. An admin removes it: kubectl delete ${refs}` } };
  }
  if (opts.mode !== 'drift') {
    const liveKeys = new Set(members.map((m) => m.key));
    const overwrites = volumeOverwrites(step.dist!.values(), liveKeys, RECOVERY_LABEL);
    const pruning = pruned.map(({ live }) => ({ resource: resourceRef(live).split('/')[0]!, name: live.metadata.name, because: replacedBy(live, step.dist!.values()) }));
    const verdict = checkPrune(pruning, opts, overwrites);
    opts.log(`prune guard: ${pruned.length} object(s) to prune in this run`);
    if (!verdict.ok) {
      return { ok: false, result: { code: 3, message: `prune guard refused the run before anything was written: ${verdict.reasons.join('; ')}. Re-run with --allow-destructive (or --max-prune N) if this is intended.` } };
    }
  }
  return { ok: true, inventory, live: new Map(members.map((m) => [m.key, m.live])) };
}

/** What `--drift` reports of the inventory: members dist/ dropped or moved, labels added by hand, objects missing. */
export function inventoryDrift(inventory: Inventory): string[] {
  const drift: string[] = [];
  if (inventory.pruned.length) drift.push(`not in dist/: ${liveNames(inventory.pruned)}`);
  if (inventory.moved.length) drift.push(`in another phase's ApplySet: ${liveNames(inventory.moved.map((m) => m.member))}`);
  if (inventory.extraLabels.length) drift.push(`labels added by hand: ${inventory.extraLabels.map((e) => `${liveNames([e.member])} (${e.keys.join(', ')})`).join('; ')}`);
  if (inventory.missing.length) drift.push(`missing from the cluster: ${inventory.missing.map((o) => displayName(o.manifest)).join(', ')}`);
  return drift;
}
