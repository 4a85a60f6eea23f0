import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DistObject } from './spec/restore-sources';

/*
 * The dist/ synth is about to replace: the committed one, which is the state the cluster was last
 * given. Checks that compare a change with what is deployed read it through here, as objects, and
 * stay pure functions of those objects.
 */

/** The database Clusters of rendered files (`{ path: yaml }`); nothing else is parsed. */
export function distClusters(files: ReadonlyMap<string, string>): DistObject[] {
  const objects: DistObject[] = [];
  for (const text of files.values()) {
    for (const doc of text.split(/^---$/m)) {
      if (/^kind: Cluster$/m.test(doc)) objects.push(parse(doc) as DistObject);
    }
  }
  return objects;
}

/** The YAML files of a dist/ folder as `{ path: text }`, or undefined when there is none (or it is empty). */
export function readDist(dir: string): Map<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const files = new Map<string, string>();
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const path = sub ? `${sub}/${name}` : name;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else if (name.endsWith('.yaml')) files.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return files.size ? files : undefined;
}
