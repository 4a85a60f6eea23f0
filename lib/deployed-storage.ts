import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { NOTHING_DEPLOYED, type DeployedStorage } from './spec/storage-shrink';

/*
 * What the previous dist/ gave the cluster's storage (the apps' claims and databases, in
 * 04-apps/), for the rule that storage never shrinks (lib/spec/storage-shrink.ts). Only the
 * documents of those two kinds are parsed, so a thousand apps cost synth a few milliseconds.
 */

const WANTED = /^kind: (PersistentVolumeClaim|Cluster)$/m;

export function readDeployedStorage(dist: string): DeployedStorage {
  const dir = join(dist, '04-apps');
  if (!existsSync(dir)) return NOTHING_DEPLOYED;
  const claims = new Map<string, string>();
  const clusters = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (!WANTED.test(text)) continue;
    for (const part of text.split(/^---$/m).filter((d) => WANTED.test(d))) {
      for (const doc of parseAllDocuments(part)) {
        const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { resources?: { requests?: { storage?: string } }; storage?: { size?: string } } } | null;
        const key = `${o?.metadata?.namespace}/${o?.metadata?.name}`;
        if (o?.kind === 'PersistentVolumeClaim' && o.spec?.resources?.requests?.storage) claims.set(key, String(o.spec.resources.requests.storage));
        if (o?.kind === 'Cluster' && o.spec?.storage?.size) clusters.set(key, String(o.spec.storage.size));
      }
    }
  }
  return { claims, clusters };
}
