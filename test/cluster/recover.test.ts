import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOVERY_LABEL } from '../../lib/constructs/recovery';
import { applySetId } from '../../lib/delivery/applyset';
import { fixtureApps } from '../fixtures/apps';
import { withBackups } from '../fixtures/cluster';
import { appFile } from '../helpers';
import { applyAsDeployer, output, renderDist, renderDistInto, startWithDist, stopWithDist, type TestCluster } from './harness';
import { STAND_IN_RESTIC_PASSWORD, STAND_IN_SNAPSHOT } from './operator-stand-ins';

/*
 * Recover mode (config `backups.recover`) against a real API server, on a cluster that starts empty
 * as a rebuilt one does: the apply recreates every database of the fixture apps from the previous
 * generation's backups under the new generation's name, writes every backed-up volume from its
 * newest snapshot into its new claim, and rolls nothing out before both are back. CloudNativePG
 * and VolSync are played (test/cluster/operator-stand-ins.ts: no operator, mover, bucket or data
 * here), and so is External Secrets (external-secrets-stand-in.ts): the volumes' repository Secrets,
 * as it would sync them from Infisical, with the repository password the played bucket opens with.
 * Then: leaving recover mode changes no data object, and recover mode switched on
 * again over live volumes is refused before anything is written.
 */

type Doc = Record<string, any>;
let cluster: TestCluster;
let dist: string;
// The fixture apps with a database (fx-notes-api) and a backed-up volume (fx-shop); never the user's apps/.
const apps = fixtureApps.filter((s) => /fx-notes-api|fx-shop/.test(s.file));
// An app added during recovery whose repository password is wrong: its restore fails, as restic's would.
const wiki = appFile('fx-wiki', { image: 'ghcr.io/fixture/wiki:1.0.0', port: 3000, volume: { mountPath: '/data', size: '1Gi' } });
const recovering = withBackups({ generation: 2, recover: true });
const recovered = withBackups({ generation: 2, recover: false });
/** The played Infisical's RESTIC_PASSWORD: the played bucket's, but fx-wiki's, which is wrong. */
const resticPassword = (namespace: string, key: string) => (key !== 'RESTIC_PASSWORD' ? undefined : namespace === 'fx-wiki' ? 'not-the-repository-password' : STAND_IN_RESTIC_PASSWORD);

beforeAll(async () => {
  expect(apps).toHaveLength(2);
  const started = Date.now();
  ({ cluster, dist } = await startWithDist(renderDist(apps, recovering), { externalSecretValues: resticPassword }));
  console.log(`rebuild rehearsal: an empty control plane, and the admin step (identities, admission policy), took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
afterAll(async () => {
  await stopWithDist(cluster, dist);
});
const apply = (...args: string[]) => applyAsDeployer(cluster, dist, args);
const get = (...target: string[]) => JSON.parse(cluster.kubectl(['get', ...target, '-o', 'json']));
const at = (text: string, s: string) => s.indexOf(text);

/** The data objects: every claim (the apps' and CloudNativePG's), Cluster and ObjectStore, by identity and spec. */
function dataObjects(): Record<string, unknown> {
  const items = get('persistentvolumeclaims,clusters.postgresql.cnpg.io,objectstores.barmancloud.cnpg.io', '-A').items as Doc[];
  return Object.fromEntries(
    items.map((o) => {
      const { bootstrap: _b, externalClusters: _e, ...spec } = o.spec;
      return [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, { uid: o.metadata.uid, spec: o.kind === 'Cluster' ? spec : o.spec }];
    }),
  );
}

describe('recover mode, on a rebuilt cluster (real API server; operators played)', () => {
  it('brings every database and volume back under the new generation before anything of the apps starts, and reports it per app', async () => {
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    console.log(`rebuild rehearsal: the deploy in recover mode took ${(r.ms / 1000).toFixed(1)} s (operators played: no data moved)`);
    // Each database: a new Cluster of generation 2, made from generation 1's backups, archiving to a path of its own.
    const db = get('-n', 'fx-notes-api', 'cluster.postgresql.cnpg.io/fx-notes-api-db-g2');
    expect(db.metadata.labels[RECOVERY_LABEL]).toBe('g2');
    expect(db.spec.bootstrap).toEqual({ recovery: { source: 'origin', database: 'app', owner: 'app' } });
    expect(db.spec.externalClusters).toMatchObject([{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'fx-notes-api-db-backups', serverName: 'fx-notes-api-db' } } }]);
    expect(db.spec.plugins[0].parameters.serverName).toBe('fx-notes-api-db-g2');
    // Each backed-up volume: its new claim written from the newest snapshot, before the app's pods exist.
    const rd = get('-n', 'fx-shop', 'replicationdestination.volsync.backube/fx-shop-api-recover');
    expect(rd.spec.restic.destinationPVC).toBe('fx-shop-api-data');
    expect(rd.status.lastManualSync).toBe('recover-g2');
    const deployment = get('-n', 'fx-shop', 'deployment/fx-shop-api');
    expect(deployment.metadata.labels[`applyset.kubernetes.io/part-of`]).toBe(applySetId('05-rollouts'));
    expect(Date.parse(deployment.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(rd.status.lastSyncTime));
    expect(get('-n', 'fx-shop', 'replicationsource.volsync.backube/fx-shop-api').metadata.labels['applyset.kubernetes.io/part-of']).toBe(applySetId('05-rollouts'));
    // Uptime Kuma's data the same way, and its chart installed only after.
    expect(get('-n', 'uptime-kuma', 'replicationdestination.volsync.backube/uptime-kuma-recover').status.lastManualSync).toBe('recover-g2');
    // The apply's order and report.
    const report = at('recovered, by app:', r.stdout);
    expect(report, r.stdout).toBeGreaterThan(at('# [04-apps] apply', r.stdout));
    expect(report).toBeLessThan(at('# [05-rollouts] apply', r.stdout));
    expect(r.stdout).toContain("Cluster/fx-notes-api-db-g2: database from fx-notes-api-db's newest base backup and all its archived WAL");
    expect(r.stdout).toContain(`ReplicationDestination/fx-shop-api-recover: volume fx-shop-api-data from snapshot ${STAND_IN_SNAPSHOT.id} taken 2026-12-05 03:15:00 UTC`);
    expect(r.stdout).toContain('ReplicationDestination/uptime-kuma-recover: volume uptime-kuma-pvc from snapshot');
    expect(cluster.played.join('\n')).toContain('[stand-in volsync] ReplicationDestination fx-shop/fx-shop-api-recover: synced recover-g2');
  });

  it('a volume that does not come back stops the apply, named with restic\'s message, before its app starts', async () => {
    renderDistInto(dist, [...apps, wiki], recovering);
    const r = await apply();
    expect(r.status, output(r)).toBe(2);
    expect(r.stderr).toContain('fx-wiki/ReplicationDestination/fx-wiki-recover did not come back: volume fx-wiki-data: the restic mover failed: Fatal: wrong password or no key found');
    expect(r.stdout).not.toContain('# [05-rollouts] apply');
    expect(cluster.kubectl(['get', '-n', 'fx-wiki', 'deployment/fx-wiki', '--ignore-not-found', '-o', 'name']).trim()).toBe('');
  });

  it('leaving recover mode changes no data object, and deletes nothing but the finished restores', async () => {
    // The wiki's Secret now holds the right password (as after fixing it in Infisical), so its data is back too.
    cluster.kubectl(['-n', 'fx-wiki', 'patch', 'secret', 'fx-wiki-volume-backup', '-p', JSON.stringify({ stringData: { RESTIC_PASSWORD: STAND_IN_RESTIC_PASSWORD } })]);
    // VolSync retries its mover: the next one succeeds.
    for (let i = 0; i < 40 && get('-n', 'fx-wiki', 'replicationdestination.volsync.backube/fx-wiki-recover').status?.lastManualSync !== 'recover-g2'; i++) await new Promise((r) => setTimeout(r, 250));
    const retried = await apply();
    expect(retried.status, output(retried)).toBe(0);
    const before = dataObjects();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['Cluster fx-notes-api/fx-notes-api-db-g2', 'PersistentVolumeClaim fx-shop/fx-shop-api-data', 'PersistentVolumeClaim uptime-kuma/uptime-kuma-pvc']));

    renderDistInto(dist, [...apps, wiki], recovered);
    const r = await apply();
    expect(r.status, output(r)).toBe(0);
    console.log(`rebuild rehearsal: the deploy leaving recover mode took ${(r.ms / 1000).toFixed(1)} s`);
    expect(r.stdout).not.toContain('recover mode');
    expect(dataObjects()).toEqual(before);
    const gone = (r.stdout.match(/no longer in dist\/ \(to prune\): (.*)/)?.[1] ?? '').split(', ').sort();
    expect(gone).toEqual(['ReplicationDestination.volsync.backube fx-shop/fx-shop-api-recover', 'ReplicationDestination.volsync.backube fx-wiki/fx-wiki-recover', 'ReplicationDestination.volsync.backube uptime-kuma/uptime-kuma-recover']);
    const drift = await apply('--drift');
    expect(drift.status, output(drift)).toBe(0);
  });

  it('recover mode switched on again over live volumes is refused before anything is written', async () => {
    renderDistInto(dist, [...apps, wiki], recovering);
    const r = await apply();
    expect(r.status, output(r)).toBe(3);
    expect(r.stderr).toContain('would overwrite the live volume fx-shop/fx-shop-api-data: recover mode (backups.recover, generation 2) writes its snapshot into it (ReplicationDestination fx-shop/fx-shop-api-recover)');
    expect(r.stdout).not.toContain('# [01-prerequisites] apply');
    expect(cluster.kubectl(['get', '-n', 'fx-shop', 'replicationdestination.volsync.backube', '-o', 'name']).trim()).toBe('');
  });
});
