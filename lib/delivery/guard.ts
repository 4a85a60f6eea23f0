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
  /** Why dist/ no longer has it, when dist/ says (a restore that replaced it). */
  readonly because?: string;
}

/** A restore about to write into a volume that already holds data: a protected change like a prune. */
export interface VolumeOverwrite {
  /** `namespace/name` of the ReplicationDestination dist/ adds. */
  readonly destination: string;
  /** `namespace/name` of the live claim it would write into. */
  readonly claim: string;
  /** Which restore it is: `recover mode (backups.recover)` or `a volume restore`. */
  readonly restore: string;
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

export function checkPrune(pruned: readonly PrunedObject[], opts: GuardOptions = {}, overwrites: readonly VolumeOverwrite[] = []): GuardVerdict {
  const max = opts.maxPrune ?? DEFAULT_MAX_PRUNE;
  const reasons: string[] = [];
  const protectedOnes = pruned.filter((p) => (PROTECTED_RESOURCES as readonly string[]).includes(p.resource));
  if (protectedOnes.length) reasons.push(`would delete protected objects: ${protectedOnes.map((p) => `${p.resource}/${p.name}${p.because ? ` (${p.because})` : ''}`).join(', ')}`);
  for (const o of overwrites) {
    reasons.push(`would overwrite the live volume ${o.claim}: ${o.restore} writes its snapshot into it (ReplicationDestination ${o.destination}), replacing what the volume holds now`);
  }
  if (pruned.length > max) reasons.push(`would delete ${pruned.length} objects, more than --max-prune ${max}`);
  if (opts.allowDestructive) return { ok: true, reasons: [], pruned: [...pruned] };
  return { ok: reasons.length === 0, reasons, pruned: [...pruned] };
}

/** What a (CloudNativePG) Cluster that dist/ no longer renders became: the Cluster restored from it, if any. */
export function replacedBy(pruned: { kind: string; metadata: { name: string; namespace?: string } }, dist: Iterable<{ manifest: { kind: string; metadata: { name: string; namespace?: string }; spec?: unknown } }>): string | undefined {
  if (pruned.kind !== 'Cluster') return undefined;
  for (const { manifest } of dist) {
    if (manifest.kind !== 'Cluster' || manifest.metadata.namespace !== pruned.metadata.namespace) continue;
    const sources = ((manifest.spec as { externalClusters?: { plugin?: { parameters?: { serverName?: string } } }[] })?.externalClusters ?? []).map((e) => e.plugin?.parameters?.serverName);
    if (sources.includes(pruned.metadata.name)) {
      return `replaced by ${manifest.metadata.name}, restored from its backups, which stay in the bucket; deleting it deletes its volumes`;
    }
  }
  return undefined;
}

interface DistLike {
  readonly key: string;
  readonly manifest: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: unknown }; spec?: unknown };
}

/**
 * Restores about to write into a volume that is live already: a ReplicationDestination dist/ adds
 * (not yet in the cluster) whose claim is. On a rebuilt cluster the claims are new and empty, so
 * recover mode passes; on a running one, recover mode or a volume restore would replace live data.
 */
export function volumeOverwrites(dist: Iterable<DistLike>, liveKeys: ReadonlySet<string>, recoveryLabel: string): VolumeOverwrite[] {
  const out: VolumeOverwrite[] = [];
  for (const o of dist) {
    const m = o.manifest;
    if (m.kind !== 'ReplicationDestination' || !m.apiVersion.startsWith('volsync.backube/') || liveKeys.has(o.key)) continue;
    const claim = (m.spec as { restic?: { destinationPVC?: string } } | undefined)?.restic?.destinationPVC;
    if (!claim || !liveKeys.has(`/PersistentVolumeClaim/${m.metadata.namespace ?? ''}/${claim}`)) continue;
    const recovery = (m.metadata.labels as Record<string, string> | undefined)?.[recoveryLabel];
    out.push({
      destination: `${m.metadata.namespace}/${m.metadata.name}`,
      claim: `${m.metadata.namespace}/${claim}`,
      restore: recovery ? `recover mode (backups.recover, generation ${recovery.slice(1)})` : 'a volume restore (`restore` on the volume)',
    });
  }
  return out;
}
