import { SpecError } from '../validation';
import { databaseName } from './database';
import type { AppSpec } from './types';

/*
 * A restore `from` a database Cluster that was never given to the cluster has no backups to read:
 * CloudNativePG would create the new Cluster and wait on an empty bucket path. The committed dist/
 * is the state the cluster was last given, so synth refuses a named source that neither it nor the
 * current render knows. Pure on the objects it is handed (tests pass their own); synth feeds it the
 * dist/ it is about to replace (lib/previous-dist.ts), and skips the check when there is none.
 */

/** The fields of a rendered object this check reads. */
export interface DistObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly externalClusters?: readonly { readonly plugin?: { readonly parameters?: { readonly serverName?: string } } }[];
    /** A Cluster's storage. */
    readonly storage?: { readonly size?: string };
    /** A claim's storage. */
    readonly resources?: { readonly requests?: { readonly storage?: string } };
  };
}

const isDatabaseCluster = (o: DistObject) => o.kind === 'Cluster' && (o.apiVersion ?? '').startsWith('postgresql.cnpg.io/');

/**
 * The database Clusters a set of objects knows, as `namespace/name`: each Cluster, and each Cluster
 * one was restored or recovered from (its external cluster's server name), so that a restore
 * already applied stays known after its source left dist/.
 */
export function knownClusters(objects: readonly DistObject[]): Set<string> {
  const known = new Set<string>();
  for (const o of objects.filter(isDatabaseCluster)) {
    const namespace = o.metadata?.namespace ?? '';
    if (o.metadata?.name) known.add(`${namespace}/${o.metadata.name}`);
    for (const source of o.spec?.externalClusters ?? []) {
      const server = source.plugin?.parameters?.serverName;
      if (server) known.add(`${namespace}/${server}`);
    }
  }
  return known;
}

/**
 * Refuses each app whose database restores from a named Cluster that neither `previous` (the
 * committed dist/) nor this render (the apps' own databases) knows. `from: 'backup'` (the app's first Cluster of this
 * generation) is not checked: recover mode and a rebuilt cluster read it from the bucket alone.
 * `previous` undefined (no prior dist/) skips the check.
 */
export function refuseUnknownRestoreSources(apps: readonly AppSpec[], previous: readonly DistObject[] | undefined, generation: number): void {
  if (!previous) return;
  // This render's Clusters: each app's database, in its namespace.
  const known = new Set([...knownClusters(previous), ...apps.flatMap((a) => (a.database ? [`${a.name}/${a.database.name}`] : []))]);
  for (const app of apps) {
    const source = app.database?.restore?.source;
    if (!source || source === databaseName(app.name, undefined, generation) || known.has(`${app.name}/${source}`)) continue;
    // The Cluster this restore creates is no source (restoring into itself is refused by name).
    const own = [...known].filter((k) => k.startsWith(`${app.name}/`)).map((k) => k.slice(app.name.length + 1)).filter((n) => n !== app.database!.name).sort();
    throw new SpecError(app.file, [
      `database.restore.from: got ${JSON.stringify(source)}, expected a database Cluster the cluster was given (in the committed dist/) or this render has: ${own.length ? own.join(', ') : `none for ${app.name} yet`}, or "backup" (a Cluster that never ran has no backups to restore from)`,
    ]);
  }
}
