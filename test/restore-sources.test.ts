import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { distObjectOf, storageFields, storageObjects } from '../lib/previous-dist';
import { knownClusters, refuseUnknownRestoreSources, type DistObject } from '../lib/spec/restore-sources';
import type { AppSource } from '../lib/app-spec';
import type { ClusterConfig } from '../lib/config';
import type { AppSpec } from '../lib/spec/types';
import { SpecError } from '../lib/validation';
import { appVariantSources } from './fixtures/app-variants';
import { fixtureApps } from './fixtures/apps';
import { fixtureCluster, withBackups } from './fixtures/cluster';
import { prng } from './fixtures/oracles';
import { render } from './helpers';

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

describe("storageObjects' line reader reads what the yaml library reads", () => {
  const same = (doc: string) => {
    const fast = storageFields(doc);
    if (fast !== undefined) expect(fast, doc).toEqual(distObjectOf(parse(doc)));
    return fast !== undefined;
  };

  test('every document of a rendered dist/ (restores, recover mode and every app variant included); no Cluster or claim left to the yaml library', () => {
    const restore = { file: 'apps/ledger.ts', exports: { default: { image: 'ghcr.io/acme/ledger:1.0.0', port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '3Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00+02:00' } } } } };
    const renders: [ClusterConfig, AppSource[]][] = [[fixtureCluster, [...fixtureApps, restore]], [fixtureCluster, appVariantSources], [withBackups({ generation: 3, recover: true }), fixtureApps]];
    const docs = renders.flatMap(([cluster, apps]) => [...render({ cluster, apps }).files.values()].flatMap((text) => text.split(/^---$/m)));
    expect(docs.length).toBeGreaterThan(500);
    // Any document it reads, it reads as the yaml library does; the Clusters and claims synth reads, it reads all.
    const left = docs.filter((doc) => !same(doc));
    expect(left.length).toBeLessThan(docs.length / 2);
    expect(left.filter((doc) => /^kind: (?:Cluster|PersistentVolumeClaim)$/m.test(doc)).map((doc) => doc.slice(0, 200))).toEqual([]);
    const storage = storageObjects(new Map(docs.map((d, i) => [String(i), d])));
    expect(storage.filter((o) => o.kind === 'Cluster' && o.spec?.storage?.size).length).toBeGreaterThan(3);
    expect(storage.filter((o) => o.kind === 'PersistentVolumeClaim' && o.spec?.resources?.requests?.storage).length).toBeGreaterThan(3);
    expect(storage.some((o) => o.spec?.externalClusters?.length)).toBe(true);
  });

  test('on a seeded corpus of layouts it either reads the same or leaves the document to the yaml library', () => {
    const random = prng(2026);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const decoy = () => pick([{ size: '9Gi' }, { storage: { size: '8Gi' } }, 'kind: Cluster', 'size: 7Gi\nname: x', ['a', { name: 'y' }], {}, [], null, 12, { 'a b': { name: 'z' } }]);
    const value = () => (random() < 0.8 ? pick(['5Gi', 'db', '10', "it's"]) : pick(['on', 'null', '1Gi # c', 'x: y', '', 'a\nb']));
    let read = 0;
    for (let n = 0; n < 1500; n++) {
      const o: any = { apiVersion: pick(['postgresql.cnpg.io/v1', 'v1']), kind: pick(['Cluster', 'PersistentVolumeClaim']), metadata: { name: value(), namespace: value(), [pick(['labels', 'annotations'])]: { size: value() } } };
      o.spec = pick([{ storage: { size: value(), more: decoy() } }, { resources: { requests: { storage: value() }, limits: decoy() } }, { externalClusters: [{ name: value(), plugin: { parameters: { serverName: value() } } }, decoy()] }, { x: decoy() }]);
      if (random() < 0.5) o.spec[pick(['a', 'b', 'zz'])] = decoy();
      const doc = stringify(o, { indentSeq: random() < 0.5, lineWidth: pick([0, 20]), collectionStyle: pick(['any', 'any', 'any', 'flow']), defaultStringType: pick(['PLAIN', 'PLAIN', 'PLAIN', 'QUOTE_DOUBLE', 'BLOCK_LITERAL']) } as any);
      if (same(doc)) read++;
    }
    // The writer's own layout is the common case: most of the corpus is read without the yaml library.
    expect(read).toBeGreaterThan(100);
  });
});
