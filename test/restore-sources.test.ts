import { describe, expect, test } from 'vitest';
import { storageObjects } from '../lib/previous-dist';
import { knownClusters, refuseUnknownRestoreSources, type DistObject } from '../lib/spec/restore-sources';
import type { AppSpec } from '../lib/spec/types';
import { SpecError } from '../lib/validation';

/*
 * refuseUnknownRestoreSources on objects of the tests' own: a restore must name a database Cluster
 * the previous dist/ had (or one it was itself restored from); with no previous dist/ nothing is
 * checked. The corpus case (test/bad-inputs-meaning.test.ts) goes through synth.
 */

const cluster = (namespace: string, name: string, from?: string): DistObject => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: from ? { externalClusters: [{ plugin: { parameters: { serverName: from } } }] } : {},
});
const app = (source: string, name = 'ledger-db-r2608021200') => ({ name: 'ledger', file: 'apps/ledger.ts', database: { name, restore: { source } } }) as unknown as AppSpec;
const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as Error).message;
  }
  return undefined;
};

describe('a restore names a Cluster the cluster was given', () => {

  test('a source the previous dist/ has is accepted', () => {
    expect(refusal(() => refuseUnknownRestoreSources([app('ledger-db-r2608011000')], [cluster('ledger', 'ledger-db-r2608011000')], 1))).toBeUndefined();
  });

  test('a restore already applied stays accepted: its source is known through the restored Cluster', () => {
    const previous = [cluster('ledger', 'ledger-db-r2608021200', 'ledger-db-r2608011000')];
    expect(knownClusters(previous)).toEqual(new Set(['ledger/ledger-db-r2608021200', 'ledger/ledger-db-r2608011000']));
    expect(refusal(() => refuseUnknownRestoreSources([app('ledger-db-r2608011000')], previous, 1))).toBeUndefined();
  });

  test('a source no dist/ knows is refused naming the file, the field and the Clusters there are', () => {
    const text = refusal(() => refuseUnknownRestoreSources([app('ledger-db-r2601011000')], [cluster('ledger', 'ledger-db'), cluster('other', 'ledger-db-r2601011000')], 1));
    expect(text).toBe('apps/ledger.ts: invalid declaration\n  - database.restore.from: got "ledger-db-r2601011000", expected a database Cluster the cluster was given (in the committed dist/) or this render has: ledger-db, or "backup" (a Cluster that never ran has no backups to restore from)');
  });

  test('"backup" (the first Cluster of the generation) and no previous dist/ are not checked', () => {
    expect(refusal(() => refuseUnknownRestoreSources([app('ledger-db-g2', 'ledger-db-rlatest-g2')], [], 2))).toBeUndefined();
    expect(refusal(() => refuseUnknownRestoreSources([app('ledger-db-r2601011000')], undefined, 1))).toBeUndefined();
  });

  test('storageObjects reads the database Clusters and claims of rendered YAML and nothing else', () => {
    const files = new Map([
      ['04-apps/app-ledger.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ledger\ndata:\n  x: "kind: Cluster"\n---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: ledger-db\n  namespace: ledger\nspec:\n  instances: 1\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ledger-data\n  namespace: ledger\n'],
    ]);
    const objects = storageObjects(files);
    expect(objects.map((o) => `${o.kind} ${o.metadata?.name}`)).toEqual(['Cluster ledger-db', 'PersistentVolumeClaim ledger-data']);
    expect(knownClusters(objects)).toEqual(new Set(['ledger/ledger-db']));
  });
});
