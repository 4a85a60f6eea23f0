import { parseAllDocuments } from 'yaml';
import { NOTHING_DEPLOYED, type DeployedStorage } from './spec/storage-shrink';

/*
 * What the previous dist/ gave the cluster's storage (the apps' claims and databases, in
 * 04-apps/), for the rule that storage never shrinks (lib/spec/storage-shrink.ts). Only the
 * documents of those two kinds are parsed.
 */

const WANTED = /^kind: (PersistentVolumeClaim|Cluster)$/m;

/** From the previous dist/'s files (lib/previous-dist.ts `readDist`), or nothing when there is none. */
export function deployedStorage(files: ReadonlyMap<string, string> | undefined): DeployedStorage {
  if (!files) return NOTHING_DEPLOYED;
  const claims = new Map<string, string>();
  const clusters = new Map<string, string>();
  for (const [path, text] of files) {
    if (!path.startsWith('04-apps/') || !WANTED.test(text)) continue;
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
