import { memoryMiB } from '../quantity';
import { SpecError } from '../validation';
import type { DistObject } from './restore-sources';
import { cacheClaimName, type AppSpec } from './types';

/*
 * Storage never shrinks. The API server refuses a smaller request on a bound PersistentVolumeClaim
 * (`spec.resources.requests.storage: Forbidden: field can not be less than previous value`), and
 * CloudNativePG's webhook a smaller Cluster (`can't shrink existing storage from 5Gi to 2Gi`): both
 * only at apply time, after earlier phases went through. The committed dist/ is the state the
 * cluster was last given, so synth compares each claim and database with it (same namespace, same
 * name; a restored database is a new Cluster and may be any size).
 */

/** Sizes the previous dist/ gave, by `namespace/name`. */
export interface DeployedStorage {
  readonly claims: ReadonlyMap<string, string>;
  readonly clusters: ReadonlyMap<string, string>;
}

export const NOTHING_DEPLOYED: DeployedStorage = { claims: new Map(), clusters: new Map() };

/** The sizes of the previous dist/'s Clusters and claims (lib/previous-dist.ts), or nothing when there is none. */
export function deployedStorage(previous: readonly DistObject[] | undefined): DeployedStorage {
  const claims = new Map<string, string>();
  const clusters = new Map<string, string>();
  for (const o of previous ?? []) {
    const key = `${o.metadata?.namespace}/${o.metadata?.name}`;
    if (o.kind === 'PersistentVolumeClaim' && o.spec?.resources?.requests?.storage) claims.set(key, String(o.spec.resources.requests.storage));
    if (o.kind === 'Cluster' && o.spec?.storage?.size) clusters.set(key, String(o.spec.storage.size));
  }
  return { claims, clusters };
}

/** Each app that would shrink what it was given: one SpecError naming its file and the fields. */
export function storageShrinkErrors(apps: readonly AppSpec[], deployed: DeployedStorage): SpecError[] {
  const errors: SpecError[] = [];
  for (const app of apps) {
    const problems: string[] = [];
    const check = (field: string, size: string, before: string | undefined, why: string) => {
      if (before !== undefined && memoryMiB(size) < memoryMiB(before)) problems.push(`${field}: got ${JSON.stringify(size)}, expected at least ${JSON.stringify(before)} (the deployed size; ${why})`);
    };
    const claim = 'a bound volume cannot shrink: copy the data to a new volume instead';
    for (const v of app.components.flatMap((c) => c.volumes)) check(`${v.field}.size`, v.size, deployed.claims.get(`${app.name}/${v.claim}`), claim);
    if (app.cache?.persistence) check('cache.persistence.size', app.cache.persistence.size, deployed.claims.get(`${app.name}/${cacheClaimName(app.cache)}`), claim);
    if (app.database) check('database.size', app.database.size, deployed.clusters.get(`${app.name}/${app.database.name}`), 'CloudNativePG cannot shrink a database\'s storage: restore into a new, smaller Cluster instead');
    if (problems.length) errors.push(new SpecError(app.file, problems));
  }
  return errors;
}
