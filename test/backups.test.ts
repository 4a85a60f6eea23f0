import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { fixtureCluster, fixtureCluster as cluster } from './fixtures/cluster';
import { CHARTS, IMAGES, imageRef } from '../config/versions';
import { BACKUP_METRICS, backupAlertRules, backupAlertsYaml } from '../lib/alerts';
import { DATABASE_CLIENT_LABEL } from '../lib/constructs/database';
import { CRD_GROUPS_ANNOTATION } from '../lib/constructs/helm-release';
import { fixtureApps } from './fixtures/apps';
import { appFile, find, helmValues, render } from './helpers';

/*
 * Databases (CloudNativePG + Barman Cloud plugin), volume backups (VolSync + restic) and their
 * alerts, as rendered. test:cluster checks the same objects against the real API server.
 */

// The tests' own apps (test/fixtures/apps/): fx-notes-api (a database) and fx-shop (a volume), so the
// user's apps/ never change what this test sees.
const { objects } = render({ apps: fixtureApps });
const ofKind = (kind: string, namespace?: string) => objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)) as any[];

describe('operators', () => {
  test.each([
    ['cloudnative-pg', CHARTS.cloudnativePg, 'cnpg-system', 'postgresql.cnpg.io'],
    ['barman-cloud', CHARTS.barmanCloudPlugin, 'cnpg-system', 'barmancloud.cnpg.io'],
    ['volsync', CHARTS.volsync, 'volsync-system', 'volsync.backube'],
  ] as const)('%s is a pinned HelmChart whose CRD groups the apply waits for', (name, chart, namespace, group) => {
    const release = find(objects, 'HelmChart', name) as any;
    expect(release.spec).toMatchObject({ chart: chart.chart, version: chart.version, repo: chart.repo, targetNamespace: namespace });
    expect(release.metadata.annotations[CRD_GROUPS_ANNOTATION]).toBe(group);
    expect((find(objects, 'Namespace', namespace) as any).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the plugin runs the release whose ObjectStore CRD was imported', () => {
    const values = helmValues(objects, 'barman-cloud');
    expect(values.image.tag).toBe(IMAGES.barmanCloudPlugin.tag);
    expect(values.sidecarImage.tag).toBe(IMAGES.barmanCloudPlugin.tag);
    expect(readFileSync('cdk8s.yaml', 'utf8')).toContain(`plugin-barman-cloud/${IMAGES.barmanCloudPlugin.tag}/`);
    expect(readFileSync('cdk8s.yaml', 'utf8')).toContain(`backube/volsync/v${CHARTS.volsync.version}/`);
  });
});

describe('an app database (fx-notes-api, as the shipped example declares it)', () => {
  const ns = 'fx-notes-api';
  const db = find(objects, 'Cluster', 'fx-notes-api-db', ns) as any;

  test('is a CloudNativePG Cluster on the pinned image, with resources and its own volume', () => {
    expect(db.spec).toMatchObject({ instances: 1, imageName: imageRef(IMAGES.postgres), storage: { size: '5Gi', storageClass: 'civo-volume' }, bootstrap: { initdb: { database: 'app', owner: 'app' } } });
    expect(db.spec.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(db.spec.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
    // One instance: no PDB (it would block every node drain); from two on, CloudNativePG's PDBs.
    expect(db.spec.enablePDB).toBe(false);
  });

  test('archives WAL and takes scheduled base backups to the bucket through the plugin, with the configured retention', () => {
    const store = find(objects, 'ObjectStore', 'fx-notes-api-db-backups', ns) as any;
    expect(db.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: store.metadata.name, serverName: 'fx-notes-api-db' } }]);
    expect(store.spec.configuration).toMatchObject({
      destinationPath: `s3://${cluster.backups.r2.bucketPrefix}-fx-notes-api/db`,
      endpointURL: `https://${cluster.backups.r2.accountId}.r2.cloudflarestorage.com`,
    });
    expect(store.spec.retentionPolicy).toBe(cluster.backups.databases.retention);
    const scheduled = find(objects, 'ScheduledBackup', 'fx-notes-api-db', ns) as any;
    expect(scheduled.spec).toMatchObject({ cluster: { name: 'fx-notes-api-db' }, schedule: cluster.backups.databases.schedule, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' }, immediate: true });
  });

  test('reads the bucket credentials from Infisical /backups/<app>, through a store the app\'s own cannot see', () => {
    const store = find(objects, 'ObjectStore', 'fx-notes-api-db-backups', ns) as any;
    const secret = store.spec.configuration.s3Credentials.accessKeyId.name;
    expect(store.spec.configuration.s3Credentials.secretAccessKey.name).toBe(secret);
    const external = find(objects, 'ExternalSecret', secret, ns) as any;
    expect(external.spec.secretStoreRef.name).toBe('infisical-backups');
    expect(find(objects, 'SecretStore', 'infisical-backups', ns).spec).toMatchObject({ provider: { infisical: { secretsScope: { secretsPath: '/backups/fx-notes-api', recursive: false } } } });
    expect(find(objects, 'SecretStore', 'infisical', ns).spec).toMatchObject({ provider: { infisical: { secretsScope: { secretsPath: '/apps/fx-notes-api' } } } });
  });

  test('gives the app DATABASE_URL from the operator\'s app Secret, and rolls it when that changes', () => {
    const deployment = find(objects, 'Deployment', 'fx-notes-api', ns) as any;
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'fx-notes-api-db-app', key: 'uri' } } });
    expect(deployment.metadata.annotations['secret.reloader.stakater.com/reload']).toBe('fx-notes-api-secrets,fx-notes-api-db-app');
  });

  test('admits only the app\'s processes that read its credentials on 5432, and the operator, its instances and the collector on their ports', () => {
    const policy = find(objects, 'NetworkPolicy', 'fx-notes-api-db', ns) as any;
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'fx-notes-api-db' } });
    const froms = policy.spec.ingress.map((r: any) => [JSON.stringify(r.from), r.ports.map((p: any) => p.port)]);
    const client = { 'app.kubernetes.io/part-of': 'fx-notes-api', [DATABASE_CLIENT_LABEL]: 'true' };
    expect(froms).toEqual([
      [JSON.stringify([{ podSelector: { matchLabels: client } }]), [5432]],
      [JSON.stringify([{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'fx-notes-api-db' } } }]), [5432, 8000]],
      [JSON.stringify([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } } }]), [8000]],
      [JSON.stringify([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]), [9187]],
    ]);
    // The database's pods never carry the app's label, which the app's own policy (Traefik ingress) selects.
    expect(db.spec.inheritedMetadata.labels['app.kubernetes.io/part-of']).toBeUndefined();
    // fx-notes-api is one process, a client: its egress to 5432 is in its one policy.
    const app = find(objects, 'NetworkPolicy', 'allow-declared', ns) as any;
    expect(app.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'fx-notes-api-db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    // The app's pods (which read DATABASE_URL) carry the client label, so the policy's selector admits them.
    const pod = (find(objects, 'Deployment', 'fx-notes-api', ns) as any).spec.template.metadata.labels;
    expect(pod).toMatchObject(client);
  });

  test('a process that does not read the credentials is not a client: the database does not admit it', () => {
    const objs = render({
      apps: [appFile('ledger', {
        components: { web: { image: 'ghcr.io/me/ledger:1.0.0', port: 8080, databaseEnv: { DATABASE_URL: 'uri' } }, worker: { image: 'ghcr.io/me/ledger-worker:1.0.0' } },
        jobs: { migrate: { image: 'ghcr.io/me/ledger:1.0.0', databaseEnv: { PGHOST: 'host', PGPASSWORD: 'password' } } },
        database: { size: '1Gi' },
      })],
    }).objects.filter((o) => o.metadata.namespace === 'ledger') as any[];
    const labels = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!.spec.template.metadata.labels;
    const admitted = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'ledger-db').spec.ingress[0].from[0].podSelector.matchLabels;
    const matches = (podLabels: Record<string, string>) => Object.entries(admitted).every(([k, v]) => podLabels[k] === v);
    expect(matches(labels('Deployment', 'ledger-web'))).toBe(true);
    expect(matches(labels('Job', objs.find((o) => o.kind === 'Job').metadata.name))).toBe(true);
    expect(matches(labels('Deployment', 'ledger-worker'))).toBe(false);
    // Nor may it send to the database: only the clients' pods have the egress rule.
    const egress = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-database');
    expect(egress.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'ledger-db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    const sends = (podLabels: Record<string, string>) => Object.entries(egress.spec.podSelector.matchLabels).every(([k, v]) => podLabels[k] === v);
    expect([sends(labels('Deployment', 'ledger-web')), sends(labels('Deployment', 'ledger-worker'))]).toEqual([true, false]);
    expect(JSON.stringify(objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-declared'))).not.toContain('ledger-db');
    // Nor does it get the credentials in its env, or roll when they change.
    const worker = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ledger-worker');
    expect(JSON.stringify(worker.spec.template.spec.containers[0].env ?? [])).not.toContain('ledger-db-app');
    expect(worker.metadata.annotations?.['secret.reloader.stakater.com/reload']).toBeUndefined();
  });

  test('fits in the namespace quota: instances plus a Job pod, each with the backup sidecar, and one volume per instance', () => {
    const quota = find(objects, 'ResourceQuota', 'app-quota', ns) as any;
    // 2-4 app replicas (+1 surge) = 5 pods of 100m/128Mi; the database 1 instance + 1 Job = 2 pods of (100m + 20m, 256Mi + 96Mi).
    expect(quota.spec.hard).toMatchObject({ pods: 7, 'requests.cpu': '740m', 'requests.memory': '1344Mi', persistentvolumeclaims: 1, 'requests.storage': '5Gi' });
  });
});

describe('restore', () => {
  const restored = (spec: object, name = 'ledger') => render({ apps: [appFile(name, { image: 'ghcr.io/me/ledger:1.0.0', port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, ...spec })] }).objects.filter((o) => o.metadata.namespace === name) as any[];

  test('a point-in-time restore is a new Cluster bootstrapped from the original\'s backups, and the app follows it', () => {
    const objs = restored({ database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00+02:00' } } });
    const db = objs.find((o) => o.kind === 'Cluster');
    expect(db.metadata.name).toBe('ledger-db-r2608010800');
    expect(db.spec.bootstrap).toEqual({ recovery: { source: 'origin', database: 'app', owner: 'app', recoveryTarget: { targetTime: '2026-08-01T10:00:00+02:00' } } });
    expect(db.spec.externalClusters).toEqual([{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'ledger-db-backups', serverName: 'ledger-db' } } }]);
    // It archives under its own name, never into its source's WAL.
    expect(db.spec.plugins[0].parameters.serverName).toBe('ledger-db-r2608010800');
    const env = objs.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'ledger-db-r2608010800-app', key: 'uri' } } });
    expect(objs.filter((o) => o.kind === 'Cluster')).toHaveLength(1);
    expect(objs.find((o) => o.kind === 'ScheduledBackup').spec.cluster.name).toBe('ledger-db-r2608010800');
  });

  test('a later restore names the Cluster to restore from; without targetTime it replays all WAL', () => {
    const db = restored({ database: { size: '1Gi', restore: { from: 'ledger-db-r2608010800' } } }).find((o) => o.kind === 'Cluster');
    expect(db.metadata.name).toBe('ledger-db-rlatest');
    expect(db.spec.bootstrap.recovery.recoveryTarget).toBeUndefined();
    expect(db.spec.externalClusters[0].plugin.parameters.serverName).toBe('ledger-db-r2608010800');
  });
});

describe('volume backups', () => {
  test('every volume is copied to the bucket with restic on the configured schedule and retention (fx-shop, as the shipped example declares it)', () => {
    const source = find(objects, 'ReplicationSource', 'fx-shop-api', 'fx-shop') as any;
    expect(source.spec).toMatchObject({ sourcePVC: 'fx-shop-api-data', trigger: { schedule: cluster.backups.volumes.schedule } });
    expect(source.spec.restic).toMatchObject({ repository: 'fx-shop-api-volume-backup', copyMethod: 'Direct', retain: cluster.backups.volumes.keep });
    expect(source.spec.restic.moverSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(source.spec.restic.moverResources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    const secret = find(objects, 'ExternalSecret', 'fx-shop-api-volume-backup', 'fx-shop') as any;
    expect(secret.spec.secretStoreRef.name).toBe('infisical-backups');
    expect(secret.spec.target.template.data.RESTIC_REPOSITORY).toBe(`s3:https://${cluster.backups.r2.accountId}.r2.cloudflarestorage.com/${cluster.backups.r2.bucketPrefix}-fx-shop/volumes/api`);
    expect(secret.spec.target.template.data.RESTIC_PASSWORD).toBe('{{ .RESTIC_PASSWORD }}');
    const policy = find(objects, 'NetworkPolicy', 'fx-shop-api-volume-backup', 'fx-shop') as any;
    expect(policy.spec.podSelector.matchLabels).toEqual(source.spec.restic.moverPodLabels);
    expect(policy.spec.ingress).toBeUndefined();
  });

  test('opting out needs a reason; a restore pauses the backups and writes the snapshot back into the volume', () => {
    const render1 = (volume: object, replicas?: number) =>
      render({ apps: [appFile('files', { image: 'ghcr.io/me/files:1.0.0', port: 8080, volume: { mountPath: '/data', size: '1Gi', ...volume }, ...(replicas === undefined ? {} : { replicas }) })] }).objects.filter((o) => o.metadata.namespace === 'files') as any[];
    expect(render1({ noBackup: { reason: 'a cache the app rebuilds' } }).filter((o) => o.kind === 'ReplicationSource')).toEqual([]);
    const objs = render1({ restore: { from: 'backup', asOf: '2026-08-01T10:00:00+02:00' } }, 0);
    expect(objs.find((o) => o.kind === 'ReplicationSource').spec.paused).toBe(true);
    const rd = objs.find((o) => o.kind === 'ReplicationDestination');
    expect(rd.spec.trigger).toEqual({ manual: 'restore-r2608010800' });
    expect(rd.spec.restic).toMatchObject({ repository: 'files-volume-backup', destinationPVC: 'files-data', copyMethod: 'Direct', restoreAsOf: '2026-08-01T08:00:00Z', enableFileDeletion: true });
    expect(objs.find((o) => o.kind === 'Deployment').spec.replicas).toBe(0);
  });
});

describe('each app backs up to its own bucket, with its own keys', () => {
  // Two apps of one shape (a database, two volumes), under a config of this test's own.
  const app = (name: string) => ({
    components: {
      web: { image: `ghcr.io/me/${name}:1.0.0`, port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, volume: { mountPath: '/data', size: '1Gi' } },
      worker: { image: `ghcr.io/me/${name}-worker:1.0.0`, volumes: { spool: { mountPath: '/spool', size: '1Gi' } } },
    },
    database: { size: '1Gi' },
  });
  const rendered = render({ cluster: fixtureCluster, apps: [appFile('alpha', app('alpha')), appFile('beta', app('beta'))] }).objects as any[];
  const endpoint = `https://${fixtureCluster.backups.r2.accountId}.r2.cloudflarestorage.com`;

  test.each([['alpha', 'beta'], ['beta', 'alpha']])('%s: its ObjectStore and ReplicationSources write to its bucket, with keys from its folder; nothing names %s\'s', (name, other) => {
    const inApp = rendered.filter((o) => o.metadata.namespace === name);
    expect(inApp.find((o) => o.kind === 'ObjectStore').spec.configuration).toMatchObject({ destinationPath: `s3://fixture-backups-${name}/db`, endpointURL: endpoint });
    const sources = inApp.filter((o) => o.kind === 'ReplicationSource');
    expect(sources.map((s) => s.metadata.name).sort()).toEqual([`${name}-web`, `${name}-worker-spool`]);
    for (const source of sources) {
      const repository = inApp.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === source.spec.restic.repository);
      expect(repository.spec.target.template.data.RESTIC_REPOSITORY).toBe(`s3:${endpoint}/fixture-backups-${name}/volumes/${source.metadata.name.slice(name.length + 1)}`);
    }
    const keyed = inApp.filter((o) => o.kind === 'ExternalSecret' && JSON.stringify(o.spec.data).includes('AWS_SECRET_ACCESS_KEY'));
    expect(keyed.map((o) => o.spec.secretStoreRef.name)).toEqual(['infisical-backups', 'infisical-backups', 'infisical-backups']);
    expect(inApp.find((o) => o.kind === 'SecretStore' && o.metadata.name === 'infisical-backups').spec.provider.infisical.secretsScope.secretsPath).toBe(`/backups/${name}`);
    expect(JSON.stringify(inApp)).not.toMatch(new RegExp(`fixture-backups-${other}|/backups/${other}`));
  });
});

describe('backup alerts', () => {
  // That the committed ALERTS_FILE follows config/cluster.ts is checked in test/synth.test.ts.
  test('the YAML `npm run alerts` writes is the rules, parsed back', () => {
    expect(parse(backupAlertsYaml(cluster))).toEqual(backupAlertRules(cluster));
  });

  test('cover failed and late database backups, failing WAL archiving and late volume backups, on every metric they name', () => {
    const rules = backupAlertRules(cluster).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['DatabaseBackupFailed', 'DatabaseBackupLate', 'DatabaseWalArchivingFailing', 'VolumeBackupLate']));
    const used = new Set(rules.flatMap((r) => r.expr.match(/[a-z_]+(?=\{)/g) ?? []));
    expect([...used].sort()).toEqual(Object.values(BACKUP_METRICS).sort());
    for (const r of rules) {
      expect(r.expr.split('(').length, r.alert).toBe(r.expr.split(')').length);
      expect(r.expr, r.alert).toContain(`cluster="${cluster.name}"`);
    }
    const late = rules.find((r) => r.alert === 'DatabaseBackupLate')!;
    expect(late.expr).toContain(`> ${cluster.backups.alertAfterHours * 3600}`);
  });

  test('their metrics reach Grafana Cloud: annotation autodiscovery on, and the database pods and VolSync annotated for it', () => {
    expect(helmValues(objects, 'k8s-monitoring').annotationAutodiscovery).toEqual({ enabled: true });
    for (const db of ofKind('Cluster')) expect(db.spec.inheritedMetadata.annotations).toMatchObject({ 'k8s.grafana.com/scrape': 'true', 'k8s.grafana.com/metrics.portNumber': '9187' });
    const volsync = helmValues(objects, 'volsync');
    expect(volsync.podAnnotations).toMatchObject({ 'k8s.grafana.com/scrape': 'true' });
    expect(volsync.metrics).toEqual({ disableAuth: true });
  });
});
