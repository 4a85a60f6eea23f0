import { beforeAll, describe, expect, test } from 'vitest';
import type { AppSource } from '../lib/app-spec';
import { readPreviousStorage } from '../lib/previous-dist';
import { deployedStorage } from '../lib/spec/storage-shrink';
import { synthesize } from '../platform';
import { fixtureApps } from './fixtures/apps';
import { scratchDist, synthFails } from './fixtures/bad-input';
import { fixtureCluster, withBackups } from './fixtures/cluster';
import { appFile, readTree } from './helpers';

/*
 * Class 4 of the bad-input corpus: storage never shrinks. Synth compares each claim and database
 * with the dist/ it replaces (the state the cluster was last given) and refuses a smaller size,
 * naming the field; test/cluster/storage-shrink.test.ts shows the real API server refusing the same
 * change at apply time. Every case starts from this file's own dist/, rendered from the fixture apps.
 */

const outdir = scratchDist();
const root = process.cwd();
// The tests' own apps, and one with every kind of storage: a volume, named volumes, a cache with persistence, a database.
const store = (sizes: { data?: string; uploads?: string; cache?: string; db?: string; restore?: object }) =>
  appFile('fx-store', {
    hosts: ['fx-store'],
    components: {
      web: { image: 'ghcr.io/fixture/store:1.0.0', port: 8080, volume: { mountPath: '/data', size: sizes.data ?? '2Gi' }, cacheEnv: { REDIS_URL: 'url' }, databaseEnv: { DATABASE_URL: 'uri' } },
      worker: { image: 'ghcr.io/fixture/store:1.0.0', volumes: { uploads: { mountPath: '/uploads', size: sizes.uploads ?? '4Gi' } } },
    },
    cache: { memory: '64Mi', persistence: { size: sizes.cache ?? '1Gi' } },
    database: { size: sizes.db ?? '5Gi', ...(sizes.restore ? { restore: sizes.restore } : {}) },
  });
const synth = (apps: readonly AppSource[], cluster = fixtureCluster) => synthesize({ cluster, appSources: apps, outdir, root });

beforeAll(async () => {
  await synth([...fixtureApps, store({})]);
});

describe('storage that shrinks is refused against the dist/ it replaces, dist/ untouched', () => {
  test.each([
    ['a component volume', { data: '1Gi' }, 'components.web.volume.size: got "1Gi", expected at least "2Gi" (the deployed size; a bound volume cannot shrink'],
    ['a named volume', { uploads: '3.5Gi' }, 'components.worker.volumes.uploads.size: got "3.5Gi", expected at least "4Gi"'],
    ['a volume by a MiB', { data: '2047Mi' }, 'components.web.volume.size: got "2047Mi", expected at least "2Gi"'],
    ['the cache\'s volume', { cache: '512Mi' }, 'cache.persistence.size: got "512Mi", expected at least "1Gi"'],
    ['a database', { db: '2Gi' }, 'database.size: got "2Gi", expected at least "5Gi" (the deployed size; CloudNativePG cannot shrink a database\'s storage'],
    ['a database in other units', { db: '4096Mi' }, 'database.size: got "4096Mi", expected at least "5Gi"'],
  ])('%s', async (_, sizes, message) => {
    const text = await synthFails(outdir, () => ({ cluster: fixtureCluster, apps: [...fixtureApps, store(sizes)] }));
    expect(text).toMatch(/^apps\/fx-store\.ts: invalid declaration\n/);
    expect(text).toContain(message);
  });

  test('every shrink of one app is named at once', async () => {
    const text = await synthFails(outdir, () => ({ cluster: fixtureCluster, apps: [...fixtureApps, store({ data: '1Gi', db: '1Gi' })] }));
    expect(text.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(2);
  });

  test('the same sizes, or larger, pass; so does a restore into a new Cluster of any size, or a new generation', async () => {
    const before = readTree(outdir);
    await synth([...fixtureApps, store({})]);
    expect(readTree(outdir)).toEqual(before);
    await synth([...fixtureApps, store({ data: '3Gi', db: '6Gi' })]);
    await synth([...fixtureApps, store({ data: '3Gi', db: '1Gi', restore: { from: 'backup' } })]);
    await synth([...fixtureApps, store({ data: '3Gi', db: '1Gi' })], withBackups({ generation: 2 }));
    expect(deployedStorage(readPreviousStorage(outdir)).clusters.get('fx-store/fx-store-db-g2')).toBe('1Gi');
  });

  test('what the previous dist/ gave is read from its files: claims and Clusters by namespace and name', () => {
    const deployed = deployedStorage(readPreviousStorage(outdir));
    expect(deployed.claims.get('fx-store/fx-store-web-data')).toBe('3Gi');
    expect(deployed.claims.get('fx-store/fx-store-cache-data')).toBe('1Gi');
    expect(deployedStorage(readPreviousStorage(`${outdir}-none`)).claims.size).toBe(0);
  });
});
