import { describe, expect, test } from 'vitest';
import { DEFAULT_DRILL_SCHEDULE } from '../lib/backup-config';
import { defineCluster } from '../lib/config';
import { RECOVERY_LABEL } from '../lib/constructs/recovery';
import { checkPrune, replacedBy, volumeOverwrites } from '../lib/delivery/guard';
import { buildPlan, commandLine, formatPlan } from '../lib/delivery/plan';
import { recoveryStates, waitForRecovery } from '../lib/delivery/recovery';
import { AFTER_RECOVERY_LABEL } from '../lib/render';
import { PLACEHOLDER_ACCOUNT_ID } from '../lib/configure/placeholders';
import { fixtureApps } from './fixtures/apps';
import { fixtureClusterInput, withBackups } from './fixtures/cluster';
import { appFile, render, type RenderedObject } from './helpers';

/*
 * Recover mode (config `backups.recover` and `backups.generation`) as rendered and planned, the
 * runner's reading of what it brings back, and the guard's refusal to overwrite a live volume.
 * test/cluster/recover.test.ts runs the same against a real API server.
 */

const recovering = render({ cluster: withBackups({ generation: 2, recover: true }) });
const recovered = render({ cluster: withBackups({ generation: 2, recover: false }) });
const first = render({});
const objectOf = (objects: readonly RenderedObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
const labelled = (o: RenderedObject, label: string) => (o.metadata.labels as Record<string, string> | undefined)?.[label];

describe('recover mode renders', () => {
  test('every database as a new Cluster of the new generation, made from the previous generation\'s backups, archiving to its own path', () => {
    const db = objectOf(recovering.objects, 'Cluster', 'fx-notes-api-db-g2');
    expect(db.metadata.labels[RECOVERY_LABEL]).toBe('g2');
    expect(db.spec.bootstrap).toEqual({ recovery: { source: 'origin', database: 'app', owner: 'app' } });
    const source = db.spec.externalClusters[0].plugin.parameters.serverName;
    expect(source).toBe(objectOf(first.objects, 'Cluster', 'fx-notes-api-db').metadata.name);
    expect(db.spec.plugins[0].parameters.serverName).toBe('fx-notes-api-db-g2');
    expect(db.spec.plugins[0].parameters.serverName).not.toBe(source);
    // The app reads the new Cluster's credentials.
    expect(recovering.files.get('05-rollouts/app-fx-notes-api.yaml')).toContain('name: fx-notes-api-db-g2-app');
  });

  test('generation 3 recovers from generation 2, and a restored database keeps its restore in its name', () => {
    const restored = appFile('fx-ledger', { image: 'ghcr.io/fixture/ledger:1.0.0', port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00Z' } } });
    const { objects } = render({ cluster: withBackups({ generation: 3, recover: true }), apps: [restored] });
    const db = objectOf(objects, 'Cluster', 'fx-ledger-db-r2608011000-g3');
    expect(db.spec.externalClusters[0].plugin.parameters.serverName).toBe('fx-ledger-db-r2608011000-g2');
    expect(db.spec.bootstrap.recovery.recoveryTarget).toBeUndefined(); // all archived WAL: the newest state
  });

  test('every backed-up volume written from its newest snapshot into its new claim, Uptime Kuma\'s too', () => {
    for (const [namespace, name, claim] of [['fx-shop', 'fx-shop-api-recover', 'fx-shop-api-data'], ['uptime-kuma', 'uptime-kuma-recover', 'uptime-kuma-pvc']]) {
      const rd = objectOf(recovering.objects, 'ReplicationDestination', name);
      expect(rd.metadata.namespace).toBe(namespace);
      expect(rd.metadata.labels[RECOVERY_LABEL]).toBe('g2');
      expect(rd.spec.trigger).toEqual({ manual: 'recover-g2' });
      expect(rd.spec.restic).toMatchObject({ destinationPVC: claim, copyMethod: 'Direct', enableFileDeletion: true });
      expect(rd.spec.restic.restoreAsOf).toBeUndefined();
    }
  });

  test('what must not start before the data is back goes to phase 05; apps without backups do not wait', () => {
    const late = recovering.objects.filter((o) => labelled(o, AFTER_RECOVERY_LABEL) === 'true');
    expect(late.every((o) => o.file.startsWith('05-rollouts/'))).toBe(true);
    expect(late.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(expect.arrayContaining(['Deployment fx-shop-api', 'ReplicationSource fx-shop-api', 'Deployment fx-notes-api', 'HelmChart uptime-kuma', 'ReplicationSource uptime-kuma']));
    expect(recovering.objects.filter((o) => o.metadata.namespace === 'fx-site' && o.file.startsWith('05-rollouts/'))).toEqual([]);
  });

  test('leaving recover mode changes no data object: the same claims, Clusters (but how their first instance was made) and stores', () => {
    const data = (objects: readonly RenderedObject[]) =>
      objects
        .filter((o) => ['PersistentVolumeClaim', 'Cluster', 'ObjectStore'].includes(o.kind))
        .map((o: any) => {
          const { bootstrap: _b, externalClusters: _e, ...spec } = o.spec;
          const { [RECOVERY_LABEL]: _l, ...labels } = o.metadata.labels ?? {};
          return { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, labels, spec: o.kind === 'Cluster' ? spec : o.spec };
        });
    expect(data(recovered.objects)).toEqual(data(recovering.objects));
    expect(data(recovered.objects).length).toBeGreaterThanOrEqual(4);
    expect(recovered.objects.filter((o) => o.kind === 'ReplicationDestination')).toEqual([]);
    // CloudNativePG reads `bootstrap` only when it creates a Cluster's first instance; its webhook
    // checks no change of it (validateClusterChanges: image, configuration, storage, ...).
    expect(objectOf(recovered.objects, 'Cluster', 'fx-notes-api-db-g2').spec.bootstrap).toEqual({ initdb: { database: 'app', owner: 'app' } });
  });

  test('without recover mode, generation 1 renders what it always did', () => {
    expect(objectOf(first.objects, 'Cluster', 'fx-notes-api-db').spec.bootstrap).toEqual({ initdb: { database: 'app', owner: 'app' } });
    expect(first.objects.filter((o) => labelled(o, RECOVERY_LABEL) || labelled(o, AFTER_RECOVERY_LABEL))).toEqual([]);
  });
});

describe('recover mode in the apply', () => {
  test('the plan reads what it brings back after phase 04 and before the Jobs and phase 05', () => {
    const steps = buildPlan({ files: recovering.files });
    const lines = steps.map(commandLine);
    const recovery = steps.findIndex((s) => s.kind === 'recovery');
    expect(recovery).toBeGreaterThan(steps.findIndex((s) => s.kind === 'apply' && s.phase === '04-apps'));
    expect(recovery).toBeLessThan(steps.findIndex((s) => s.kind === 'apply' && s.phase === '05-rollouts'));
    expect(lines).toContain('kubectl -n fx-notes-api get cluster.postgresql.cnpg.io/fx-notes-api-db-g2 -o json');
    expect(lines).toContain('kubectl -n fx-shop get replicationdestination.volsync.backube/fx-shop-api-recover -o json');
    expect(lines).toContain('kubectl -n uptime-kuma get replicationdestination.volsync.backube/uptime-kuma-recover -o json');
    expect(formatPlan(steps)).toContain('recover mode: the databases and volumes of fx-shop back from their backups before anything starts');
    expect(buildPlan({ files: recovered.files }).some((s) => s.kind === 'recovery')).toBe(false);
  });

  const rd = (result: string | undefined, synced: boolean) => ({
    kind: 'ReplicationDestination',
    metadata: { name: 'shop-api-recover', namespace: 'shop' },
    spec: { trigger: { manual: 'recover-g2' }, restic: { destinationPVC: 'shop-api-data' } },
    status: { ...(synced ? { lastManualSync: 'recover-g2', lastSyncTime: '2026-12-05T10:00:00Z' } : {}), latestMoverStatus: { result, logs: result === 'Failed' ? 'Fatal: wrong password or no key found' : 'restoring <Snapshot 5e1f2a3b of [/data] at 2026-12-05 03:15:00.482913 +0000 UTC by @volsync> to /data' } },
  });
  const cluster = (ready: boolean) => ({
    kind: 'Cluster',
    metadata: { name: 'shop-db-g2', namespace: 'shop' },
    spec: { externalClusters: [{ name: 'origin', plugin: { parameters: { serverName: 'shop-db' } } }] },
    status: { phase: ready ? 'Cluster in healthy state' : 'Setting up primary', conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-05T10:01:00Z' }] : [] },
  });
  const wait = (rounds: object[][]) => {
    const log: string[] = [];
    let t = 0;
    let read = 0;
    const error = waitForRecovery({
      reads: [['kubectl', '-n', 'shop', 'get', 'x', '-o', 'json']],
      timeout: '1m',
      everyMs: 2000,
      read: () => ({ status: 0, stdout: JSON.stringify({ kind: 'List', items: rounds[Math.min(read++, rounds.length - 1)] }) }),
      log: (l) => log.push(l),
      sleep: (ms) => (t += ms),
      now: () => t,
    });
    return { error, log: log.join('\n') };
  };

  test('the runner waits for each, then reports per app what came back, from where and to when', () => {
    const { error, log } = wait([[cluster(false), rd(undefined, false)], [cluster(true), rd('Successful', true)]]);
    expect(error).toBeUndefined();
    expect(log).toContain("Cluster/shop-db-g2: database from shop-db's newest base backup and all its archived WAL (Ready since 2026-12-05T10:01:00Z)");
    expect(log).toContain('ReplicationDestination/shop-api-recover: volume shop-api-data from snapshot 5e1f2a3b taken 2026-12-05 03:15:00 UTC (written 2026-12-05T10:00:00Z)');
  });

  test('a failed mover stops it at once, with restic\'s message; what never comes back, at the timeout', () => {
    expect(wait([[cluster(false), rd('Failed', false)]]).error).toBe('shop/ReplicationDestination/shop-api-recover did not come back: volume shop-api-data: the restic mover failed: Fatal: wrong password or no key found. Nothing of phase 05 was applied, so no app started on missing data');
    expect(wait([[cluster(false), rd(undefined, false)]]).error).toMatch(/^not back after 1m: shop\/Cluster\/shop-db-g2 \(database recovering from shop-db \(Setting up primary\)\)/);
    expect(recoveryStates(JSON.stringify(cluster(true)))).toHaveLength(1);
  });

  test('the guard refuses a restore into a live volume, naming which restore, and says what a pruned Cluster became', () => {
    const dist = [...recovering.objects].map((m) => ({ key: `${m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : ''}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, manifest: m }));
    const claim = '/PersistentVolumeClaim/fx-shop/fx-shop-api-data';
    const overwrites = volumeOverwrites(dist, new Set([claim]), RECOVERY_LABEL);
    expect(overwrites).toEqual([{ destination: 'fx-shop/fx-shop-api-recover', claim: 'fx-shop/fx-shop-api-data', restore: 'recover mode (backups.recover, generation 2)' }]);
    // A rebuilt cluster: no claim is live yet.
    expect(volumeOverwrites(dist, new Set(), RECOVERY_LABEL)).toEqual([]);
    // Once the destination exists, its sync is done: nothing more to refuse.
    expect(volumeOverwrites(dist, new Set([claim, 'volsync.backube/ReplicationDestination/fx-shop/fx-shop-api-recover']), RECOVERY_LABEL)).toEqual([]);
    // A volume restore (no recovery label) over a live volume is named as one.
    const restore = dist.map((o) => (o.manifest.kind === 'ReplicationDestination' ? { ...o, manifest: { ...o.manifest, metadata: { ...o.manifest.metadata, labels: {} } } } : o));
    expect(volumeOverwrites(restore, new Set([claim]), RECOVERY_LABEL)[0]!.restore).toBe('a volume restore (`restore` on the volume)');
    const verdict = checkPrune([], {}, overwrites);
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons[0]).toContain('would overwrite the live volume fx-shop/fx-shop-api-data: recover mode (backups.recover, generation 2)');
    expect(checkPrune([], { allowDestructive: true }, overwrites).ok).toBe(true);
    const because = replacedBy({ kind: 'Cluster', metadata: { name: 'fx-notes-api-db', namespace: 'fx-notes-api' } }, dist);
    expect(because).toBe('replaced by fx-notes-api-db-g2, restored from its backups, which stay in the bucket; deleting it deletes its volumes');
    expect(checkPrune([{ resource: 'cluster.postgresql.cnpg.io', name: 'fx-notes-api-db', because }]).reasons[0]).toContain(`cluster.postgresql.cnpg.io/fx-notes-api-db (${because})`);
  });
});

describe('recover mode refuses', () => {
  const problem = (backups: object, apps = fixtureApps) => {
    try {
      render({ cluster: defineCluster({ ...fixtureClusterInput, backups: { ...fixtureClusterInput.backups, ...backups } } as never, 'config/cluster.ts'), apps });
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };

  test.each([
    [{ recover: true }, 'backups.recover: got true, expected recover mode with generation raised by one (got generation 1: recover reads generation 1\'s backups into generation 2, so set generation: 2)'],
    [{ recover: true, generation: 2, r2: { ...fixtureClusterInput.backups.r2, accountId: PLACEHOLDER_ACCOUNT_ID } }, `backups.r2.accountId: got "${PLACEHOLDER_ACCOUNT_ID}", expected your Cloudflare account id while recover is on`],
    [{ generation: 0 }, 'backups.generation: got 0, expected a generation of at least 1'],
    [{ recover: 'yes' }, 'backups.recover: got "yes", expected true or false'],
    [{ drills: { schedule: '0 5 31 2 *' } }, 'backups.drills.schedule: got "0 5 31 2 *", expected'],
    [{ drills: { schedule: '0 25 * * 0' } }, 'backups.drills.schedule: got "0 25 * * 0", expected'],
  ])('%j', (backups, message) => {
    expect(problem(backups)).toContain(message);
  });

  test('a volume restore while recover mode brings every volume back', () => {
    const app = appFile('fx-notes', { image: 'ghcr.io/fixture/notes:1.0.0', port: 8080, replicas: 0, volume: { mountPath: '/data', size: '1Gi', restore: { from: 'backup' } } });
    expect(problem({ recover: true, generation: 2 }, [app])).toContain('volume.restore: got a volume restore while backups.recover is on in config/cluster.ts, expected none');
  });

  test('drills run weekly unless the config says otherwise', () => {
    expect(withBackups({}).backups.drills.schedule).toBe(DEFAULT_DRILL_SCHEDULE);
  });
});
