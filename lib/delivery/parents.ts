import { groupOf, type Manifest, type Phase } from '../render';
import { APPLYSET_FIELD_MANAGER, APPLYSET_GROUP, APPLYSET_KIND, applySetId, applySetName, applySetParent } from './applyset';
import { kubectlTarget, PART_OF_LABEL, type LiveObject, type Member } from './inventory';
import { displayName } from './manifests';
import { commandLine, shellQuote, type Step } from './steps';

/*
 * The ApplySet parents' record of their members, kept as kubectl keeps it (KEP-3659), so that
 * `kubectl apply --applyset=... --prune` and `kubectl get -l applyset.kubernetes.io/part-of=...`
 * still work on what this apply wrote: `contains-group-kinds` and `additional-namespaces` always
 * cover every member (widened before objects of a new kind or namespace are written), and after a
 * phase's prune they are exactly what the phase holds (as kubectl narrows them after its prune).
 * Written as kubectl's own field manager, and only when they change.
 */

export const GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds';
export const NAMESPACES = 'applyset.kubernetes.io/additional-namespaces';

export interface ParentIo {
  readonly env: NodeJS.ProcessEnv;
  readonly spawn: (argv: readonly string[], opts: { env: NodeJS.ProcessEnv; input?: string; capture: boolean }) => { status: number | null };
  readonly log: (line: string) => void;
}

/** `Deployment.apps`, `ConfigMap`: a kind as contains-group-kinds lists it. */
export const groupKindOf = (m: Pick<LiveObject, 'apiVersion' | 'kind'>) => (groupOf(m.apiVersion) ? `${m.kind}.${groupOf(m.apiVersion)}` : m.kind);

const listOf = (value: string | undefined) => (value ?? '').split(',').filter(Boolean);

/** What a parent records: its group-kinds and namespaces. */
export function recorded(parent: LiveObject | undefined): { groupKinds: string[]; namespaces: string[] } {
  return { groupKinds: listOf(parent?.metadata.annotations?.[GROUP_KINDS]), namespaces: listOf(parent?.metadata.annotations?.[NAMESPACES]) };
}

/** Writes the parent of `phase` with these group-kinds and namespaces, unless it records exactly them. Returns an error. */
export function recordMembers(phase: Phase, groupKinds: Iterable<string>, namespaces: Iterable<string>, parents: Map<string, LiveObject>, io: ParentIo, why: string): string | undefined {
  const name = applySetName(phase);
  const parent = parents.get(name) ?? (applySetParent(phase) as unknown as LiveObject);
  const want = { groupKinds: [...new Set(groupKinds)].sort(), namespaces: [...new Set(namespaces)].sort() };
  const now = recorded(parent);
  if (now.groupKinds.join(',') === want.groupKinds.join(',') && now.namespaces.join(',') === want.namespaces.join(',')) return undefined;
  const annotations = { ...(parent.metadata.annotations ?? {}), [GROUP_KINDS]: want.groupKinds.join(','), [NAMESPACES]: want.namespaces.join(',') };
  const written = { apiVersion: `${APPLYSET_GROUP}/v1`, kind: APPLYSET_KIND, metadata: { name, labels: { 'applyset.kubernetes.io/id': applySetId(phase) }, annotations } };
  const argv = ['kubectl', 'apply', '--server-side', `--field-manager=${APPLYSET_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'];
  io.log(`$ ${argv.join(' ')}   # ${name}: ${why}`);
  if (io.spawn(argv, { env: io.env, input: JSON.stringify(written), capture: false }).status !== 0) return `could not update ApplySet ${name} (${why})`;
  parents.set(name, written);
  return undefined;
}

/** Widens the parent of `phase` to cover `objects` as well as what it records (before they are written). */
export function coverMembers(phase: Phase, objects: readonly Pick<LiveObject, 'apiVersion' | 'kind' | 'metadata'>[], parents: Map<string, LiveObject>, io: ParentIo): string | undefined {
  const now = recorded(parents.get(applySetName(phase)));
  const namespaces = objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
  return recordMembers(phase, [...now.groupKinds, ...objects.map(groupKindOf)], [...now.namespaces, ...namespaces], parents, io, 'covers the objects about to be written');
}

/**
 * Moves an object into another phase's ApplySet without deleting it: first the target parent
 * grows to cover it (as kubectl itself widens a parent before it applies), then the object's
 * part-of label changes. Were it the other way round, a run that failed in between would leave an
 * object that no ApplySet could ever prune. Returns an error.
 */
export function moveMember(member: Member, to: Phase, parents: Map<string, LiveObject>, io: ParentIo): string | undefined {
  const widened = coverMembers(to, [member.live], parents, io);
  if (widened) return widened;
  const label = ['kubectl', 'label', '--overwrite', ...kubectlTarget(member.live), `${PART_OF_LABEL}=${applySetId(to)}`];
  io.log(`$ ${label.map(shellQuote).join(' ')}`);
  if (io.spawn(label, { env: io.env, capture: false }).status !== 0) return `could not move ${displayName(member.live as Manifest)} from ApplySet ${applySetName(member.phase)} to ${applySetName(to)}`;
  return undefined;
}

/**
 * The `parents` step: the ApplySet parents the inventory did not find, created once (re-applying an
 * existing parent would reset what kubectl recorded in it); then the members that moved between
 * phases relabelled (`moved`, apply mode only).
 */
export function ensureParents(step: Step, input: string, parents: Map<string, LiveObject>, moved: readonly { member: Member; to: Phase }[], io: ParentIo): { created: boolean; error?: string } {
  const list = JSON.parse(input) as { items: LiveObject[] };
  list.items = list.items.filter((p) => !parents.has(p.metadata.name));
  let created = false;
  if (list.items.length) {
    created = true;
    const r = io.spawn(step.argv, { env: io.env, input: JSON.stringify(list), capture: false });
    if (r.status !== 0) return { created, error: `step failed (exit ${r.status}): ${commandLine(step)}` };
    list.items.forEach((p) => parents.set(p.metadata.name, p));
  } else {
    io.log('all ApplySet parents exist; kubectl keeps them up to date');
  }
  for (const { member, to } of moved) {
    const error = moveMember(member, to, parents, io);
    if (error) return { created, error };
  }
  return { created };
}
