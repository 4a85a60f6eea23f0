/*
 * The prune guard: what the whole run would delete (the inventory, lib/delivery/inventory.ts,
 * finds it before anything is written) judged against the kinds that lose data or take a subtree
 * with them, and against a limit on the number of objects. `--allow-destructive` overrides both.
 */

export const DEFAULT_MAX_PRUNE = 10;

/** Kinds whose deletion loses data or takes a whole subtree with it: never pruned without the flag. */
export const PROTECTED_RESOURCES = [
  'namespace',
  'persistentvolumeclaim',
  'persistentvolume',
  'helmchart.helm.cattle.io',
  'customresourcedefinition.apiextensions.k8s.io',
  // A database Cluster owns its volumes: deleting it (e.g. after a restore into a new Cluster) deletes the data.
  'cluster.postgresql.cnpg.io',
] as const;

export interface PrunedObject {
  /** `persistentvolumeclaim`, `helmchart.helm.cattle.io`: lowercase kind, then the group. */
  readonly resource: string;
  readonly name: string;
}

export interface GuardOptions {
  readonly maxPrune?: number;
  readonly allowDestructive?: boolean;
}

export interface GuardVerdict {
  readonly ok: boolean;
  /** Why the prune is refused (empty when ok, or when allowDestructive overrode them). */
  readonly reasons: string[];
  readonly pruned: PrunedObject[];
}

export function checkPrune(pruned: readonly PrunedObject[], opts: GuardOptions = {}): GuardVerdict {
  const max = opts.maxPrune ?? DEFAULT_MAX_PRUNE;
  const reasons: string[] = [];
  const protectedOnes = pruned.filter((p) => (PROTECTED_RESOURCES as readonly string[]).includes(p.resource));
  if (protectedOnes.length) reasons.push(`would delete protected objects: ${protectedOnes.map((p) => `${p.resource}/${p.name}`).join(', ')}`);
  if (pruned.length > max) reasons.push(`would delete ${pruned.length} objects, more than --max-prune ${max}`);
  if (opts.allowDestructive) return { ok: true, reasons: [], pruned: [...pruned] };
  return { ok: reasons.length === 0, reasons, pruned: [...pruned] };
}
