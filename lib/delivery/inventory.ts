import { crdGroupsOf } from '../constructs/helm-release';
import { groupOf, type Manifest, type Phase } from '../render';
import { displayName, objectKey, type DistObject } from './manifests';

/*
 * What the cluster holds of each phase's ApplySet, read before anything is written, against dist/:
 *  - pruned: members no longer in dist/ (the prune guard counts these for the whole run)
 *  - moved:  members that dist/ now renders in another phase; relabelled to that phase's ApplySet
 *            before any phase runs, so the old phase's prune never deletes and recreates them
 *  - extraLabels: labels someone added by hand (server-side apply never removes fields it does not
 *            own, so the apply removes them explicitly, and drift mode reports them)
 *  - missing: objects of dist/ that are not in the cluster (deleted by hand, or not applied yet)
 * Pure functions: the runner feeds them what `kubectl get` returned.
 */

export const PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/** Labels the API server or controllers put on objects; never drift. */
const SYSTEM_LABELS = new Set(['kubernetes.io/metadata.name', PART_OF_LABEL]);

export interface LiveObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface Member {
  readonly key: string;
  /** The phase whose ApplySet the object is a member of, by its part-of label. */
  readonly phase: Phase;
  readonly live: LiveObject;
}

export interface Inventory {
  readonly pruned: Member[];
  readonly moved: { member: Member; to: Phase }[];
  readonly extraLabels: { member: Member; keys: string[] }[];
  readonly missing: DistObject[];
}

/** `deployment.apps/site`: how kubectl names an object on the command line and in its output. */
export function resourceRef(m: Pick<LiveObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = groupOf(m.apiVersion);
  return `${m.kind.toLowerCase()}${group ? `.${group}` : ''}/${m.metadata.name}`;
}

/** `-n site deployment.apps/site` or `namespace/site`. */
export function kubectlTarget(m: Pick<LiveObject, 'apiVersion' | 'kind' | 'metadata'>): string[] {
  return [...(m.metadata.namespace ? ['-n', m.metadata.namespace] : []), resourceRef(m)];
}

export function analyzeInventory(dist: ReadonlyMap<string, DistObject>, members: readonly Member[]): Inventory {
  const pruned: Member[] = [];
  const moved: Inventory['moved'] = [];
  const extraLabels: Inventory['extraLabels'] = [];
  const seen = new Set<string>();
  for (const member of members) {
    seen.add(member.key);
    const wanted = dist.get(member.key);
    if (!wanted?.phase) {
      pruned.push(member);
      continue;
    }
    if (wanted.phase !== member.phase) moved.push({ member, to: wanted.phase });
    const want = (wanted.manifest.metadata.labels as Record<string, string> | undefined) ?? {};
    const keys = Object.keys(member.live.metadata.labels ?? {}).filter((k) => !(k in want) && !SYSTEM_LABELS.has(k)).sort();
    if (keys.length) extraLabels.push({ member, keys });
  }
  const missing = [...dist.values()].filter((o) => o.phase && !seen.has(o.key));
  return { pruned, moved, extraLabels, missing };
}

/** Members of one phase from `kubectl get ... -l part-of=<id> -o json` output. */
export function membersOf(phase: Phase, list: { items?: LiveObject[] }): Member[] {
  return (list.items ?? []).map((live) => ({ key: objectKey(live as Manifest), phase, live }));
}

/**
 * Charts that the run would remove while dist/ still has objects of the API groups their CRDs
 * serve: removing the chart (helm uninstall) can take the CRDs, and with them those objects, away.
 */
export function chartsStillServing(pruned: readonly Member[], dist: ReadonlyMap<string, DistObject>): string[] {
  const problems: string[] = [];
  for (const { live } of pruned) {
    if (live.kind !== 'HelmChart' || groupOf(live.apiVersion) !== 'helm.cattle.io') continue;
    const groups = crdGroupsOf(live);
    const users = [...dist.values()].filter((o) => groups.includes(groupOf(o.manifest.apiVersion)));
    if (users.length) {
      problems.push(
        `${displayName(live as Manifest)} is no longer in dist/, but dist/ still has ${users.length} object(s) of ${groups.join(', ')}, whose CRDs it installs: ` +
          `${users.map((u) => displayName(u.manifest)).join(', ')}. Remove those from dist/ first (and apply), then remove the chart`,
      );
    }
  }
  return problems;
}

/** The objects' display names, comma-separated, for messages. */
export const liveNames = (xs: readonly { live: LiveObject }[] | readonly LiveObject[]) =>
  xs.map((x) => displayName(('live' in x ? x.live : x) as Manifest)).join(', ');
