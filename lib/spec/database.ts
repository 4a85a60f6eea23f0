import { z } from 'zod';
import { DNS_LABEL } from '../names';
import { cpuMillis, memoryMiB } from '../quantity';
import { memory, pointInTime, resources } from './fields';

/*
 * An app's PostgreSQL as declared (`database: { size: '5Gi' }`), and the name of the CloudNativePG
 * Cluster it becomes, which changes with each restore.
 */

/** What a database gets when its spec says nothing. */
export const DEFAULT_DATABASE_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } as const;

export const databaseSchema = z.strictObject({
  /** Storage of each instance (its own volume), e.g. 5Gi. */
  size: memory,
  /** PostgreSQL instances: 1 (default), or a primary and streaming replicas (then a PDB and spread over nodes). */
  instances: z.int('a whole number of instances').min(1, 'from 1 to 3 instances').max(3, 'from 1 to 3 instances').optional(),
  /** Per instance; default DEFAULT_DATABASE_RESOURCES. */
  resources,
  /**
   * Restore: a new Cluster bootstrapped from backups, to the newest WAL or to `targetTime`.
   * `from: 'backup'` restores the app's original database (<app>-db); for a later restore, name the
   * Cluster whose backups to use (e.g. `notes-api-db-r2608011000`). See README "Restore".
   */
  restore: z
    .strictObject({
      from: z.string().regex(DNS_LABEL, '"backup" or the name of one of this app\'s database Clusters'),
      targetTime: pointInTime.optional(),
    })
    .optional(),
});

/** A validated database: its Cluster's name, and where a restore reads from. */
export interface DatabaseSpec {
  /** The CloudNativePG Cluster's name (also its backups' server name in the bucket). */
  readonly name: string;
  /**
   * Recover mode (`backups.recover`): the previous generation's Cluster whose backups this one is
   * created from, to the end of its archived WAL. It wins over `restore`.
   */
  readonly recoverFrom?: string;
  readonly size: string;
  readonly instances: number;
  readonly resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  readonly restore?: { readonly source: string; readonly targetTime?: string };
}

/**
 * The longest database Cluster name: CloudNativePG names its Jobs `<cluster>-<n>-full-recovery`,
 * and a Job's name must fit the 63-character job-name label of its pods.
 */
export const DATABASE_NAME_MAX = 46;

/** `2026-08-01T10:00:00Z` -> `r2608011000`: the suffix of a Cluster restored to that time (UTC minutes). */
export function restoreSuffix(targetTime: string | undefined): string {
  if (targetTime === undefined) return 'rlatest';
  const t = new Date(Date.parse(targetTime)).toISOString();
  return `r${t.slice(2, 4)}${t.slice(5, 7)}${t.slice(8, 10)}${t.slice(11, 13)}${t.slice(14, 16)}`;
}

/** The data generation's part of a Cluster name: none for the first, `-g<N>` from the second on. */
export const generationSuffix = (generation: number) => (generation >= 2 ? `-g${generation}` : '');

/**
 * The Cluster's name in a generation: `<app>-db`, then the restore's suffix (`-r2608011000`), then
 * the generation's (`-g2`). Each name is also the server name its backups are archived under, so a
 * restore or a new generation never archives into the path of the Cluster it came from.
 */
export function databaseName(app: string, restore: { readonly targetTime?: string } | undefined, generation: number): string {
  return `${app}-db${restore ? `-${restoreSuffix(restore.targetTime)}` : ''}${generationSuffix(generation)}`;
}

/** The data's generation and whether this apply recovers it (config `backups.generation`, `backups.recover`). */
export interface DataGeneration {
  readonly generation: number;
  readonly recover: boolean;
}

export function normalizeDatabase(app: string, raw: z.output<typeof databaseSchema>, problems: string[], data: DataGeneration = { generation: 1, recover: false }): DatabaseSpec {
  const original = databaseName(app, undefined, data.generation);
  const restore = raw.restore && { source: raw.restore.from === 'backup' ? original : raw.restore.from, targetTime: raw.restore.targetTime };
  const name = databaseName(app, restore, data.generation);
  const recoverFrom = data.recover ? databaseName(app, restore, data.generation - 1) : undefined;
  if (restore && restore.source !== `${app}-db` && !restore.source.startsWith(`${app}-db-`)) {
    problems.push(`database.restore.from: got ${JSON.stringify(raw.restore!.from)}, expected "backup" or the name of one of this app's database Clusters (${original}, or ${app}-db-r... after a restore)`);
  } else if (restore && restore.source === name) {
    problems.push(`database.restore.targetTime: got ${JSON.stringify(restore.targetTime ?? '(none)')}, expected a time that gives the restored Cluster a name other than its source ${name}`);
  }
  if (name.length > DATABASE_NAME_MAX) {
    problems.push(`database: got ${JSON.stringify(name)} as the Cluster's name (${name.length} characters), expected at most ${DATABASE_NAME_MAX} (a shorter app name; CloudNativePG's Job names add 17)`);
  }
  const resources = {
    requests: { ...DEFAULT_DATABASE_RESOURCES.requests, ...raw.resources?.requests },
    limits: { ...DEFAULT_DATABASE_RESOURCES.limits, ...raw.resources?.limits },
  };
  for (const kind of ['cpu', 'memory'] as const) {
    const measure = kind === 'cpu' ? cpuMillis : memoryMiB;
    if (measure(resources.requests[kind]) > measure(resources.limits[kind])) {
      const field = raw.resources?.requests?.[kind] === undefined ? `limits.${kind}` : `requests.${kind}`;
      const got = raw.resources?.requests?.[kind] ?? raw.resources?.limits?.[kind];
      problems.push(`database.resources.${field}: got ${JSON.stringify(got)}, expected a request at most the limit (defaults: ${JSON.stringify(DEFAULT_DATABASE_RESOURCES)})`);
    }
  }
  return { name, ...(recoverFrom ? { recoverFrom } : {}), size: raw.size, instances: raw.instances ?? 1, resources, restore };
}
