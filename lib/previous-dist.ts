import { existsSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { readDistDir } from './delivery/diff';
import type { DistObject } from './spec/restore-sources';

/*
 * The dist/ synth is about to replace: the committed one, which is the state the cluster was last
 * given. The checks that compare a change with it (storage never shrinks, lib/spec/storage-shrink.ts;
 * a restore names a Cluster the cluster had, lib/spec/restore-sources.ts) read its apps' database
 * Clusters and claims through here, and stay pure functions of those objects.
 */

/** A document of a database Cluster or a claim; nothing else is parsed. */
const STORAGE_KIND = /^kind: (?:Cluster|PersistentVolumeClaim)$/m;

/** The database Clusters and claims of rendered files (`{ path: yaml }`). */
export function storageObjects(files: ReadonlyMap<string, string>): DistObject[] {
  const objects: DistObject[] = [];
  for (const text of files.values()) {
    if (!STORAGE_KIND.test(text)) continue;
    for (const doc of text.split(/^---$/m)) {
      if (STORAGE_KIND.test(doc)) objects.push(parse(doc) as DistObject);
    }
  }
  return objects;
}

/** The apps' Clusters and claims (04-apps/) of the dist/ in `dir`, or undefined when there is no dist/ there yet. */
export function readPreviousStorage(dir: string): DistObject[] | undefined {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return undefined;
  return storageObjects(readDistDir(dir, ['04-apps']));
}
