import { App } from 'cdktf';
import { IMAGES, imageRef } from '../config/versions';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DRILL_TOKEN_ID, DRILL_TOKEN_PERMISSIONS, r2BucketResource } from '../bootstrap/backups';
import { BootstrapStack, STACK_NAME } from '../bootstrap/stack';
import { defineStateBackend } from '../bootstrap/state';
import { backupAlertRules } from '../lib/alerts';
import { backupOwners } from '../lib/backup-owners';
import { backupBucket, defineCluster, type ClusterConfigInput } from '../lib/config';
import { SCRIPTS, scriptText } from '../lib/constructs/drill-runner';
import { publicHosts } from '../lib/hosts';
import { capacityReport } from '../lib/report/capacity';
import { fixtureCluster, fixtureStateBackend } from './fixtures/cluster';
import { appFile, find, render } from './helpers';

/*
 * The restore drills as synth renders them (charts/restore-drills.ts), with the tests' own config
 * and fixture apps (fx-notes-api has a database, fx-shop a backed-up volume), the bootstrap's
 * read-only token, the alerts and the capacity report that count them, and the bad input refused.
 */

const NS = 'restore-drills';
const { objects } = render();
const inDrills = objects.filter((o) => o.metadata.namespace === NS) as any[];
const cronJobs = inDrills.filter((o) => o.kind === 'CronJob');
const podOf = (c: any) => c.spec.jobTemplate.spec.template.spec;

describe('the restore-drills namespace', () => {
  it('enforces Pod Security restricted, and is bounded by a quota that admits one drill Cluster at a time', () => {
    const ns = find(objects, 'Namespace', NS) as any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const quota = find(objects, 'ResourceQuota', 'restore-drills', NS) as any;
    expect(quota.spec.hard['count/clusters.postgresql.cnpg.io']).toBe(1);
    // The runner of fx-notes-api (10m), two volume drills (50m each) and one drill Cluster (PostgreSQL and sidecar, twice for the recovery Job).
    expect(quota.spec.hard['requests.cpu']).toBe('350m');
    expect(quota.spec.hard.pods).toBe(5);
    // fx-notes-api's 5Gi, fx-shop's 1Gi, Uptime Kuma's 2Gi.
    expect(quota.spec.hard['requests.storage']).toBe('8Gi');
    const range = find(objects, 'LimitRange', 'restore-drills-defaults', NS) as any;
    expect(range.spec.limits[0].defaultRequest).toEqual({ cpu: '20m', memory: '96Mi' });
  });

  it('denies by default; runners reach the API only, drill databases the internet on 443, the API and the operator, volume drills the internet on 443', () => {
    const policies = inDrills.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['allow-database', 'allow-runner', 'allow-volume', 'default-deny']);
    const spec = (name: string) => policies.find((p) => p.metadata.name === name).spec;
    const ports = (rules: any[]) => rules.flatMap((r) => (r.ports ?? []).map((p: any) => `${p.protocol}/${p.port}`)).sort();
    expect(ports(spec('allow-runner').egress)).toEqual(['TCP/443', 'TCP/53', 'TCP/6443', 'UDP/53']);
    expect(spec('allow-runner').ingress).toBeUndefined();
    expect(ports(spec('allow-volume').egress)).toEqual(['TCP/443', 'TCP/53', 'UDP/53']);
    const internet = spec('allow-volume').egress.find((r: any) => r.to[0].ipBlock);
    expect(internet.to[0].ipBlock).toEqual({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] });
    expect(spec('allow-database').ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } } }], ports: [{ protocol: 'TCP', port: 8000 }] }]);
  });

  it('reads only /backups/restore-drills, the folder of the read-only keys', () => {
    const stores = inDrills.filter((o) => o.kind === 'SecretStore');
    expect(stores.map((s) => s.spec.provider.infisical.secretsScope.secretsPath)).toEqual(['/backups/restore-drills']);
  });
});

describe('database drills', () => {
  const runner = cronJobs.find((c) => c.metadata.name === 'database-fx-notes-api');
  const clusters = inDrills.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'restore-drill-clusters');
  const drill = parse(clusters.data['fx-notes-api.yaml']);

  it('run one CronJob per database on the config\'s drill schedule: never two at once, no retry, a deadline, its own ServiceAccount', () => {
    expect(cronJobs.filter((c) => c.metadata.name.startsWith('database-')).map((c) => c.metadata.name)).toEqual(['database-fx-notes-api']);
    expect(runner.spec).toMatchObject({ schedule: fixtureCluster.backups.drills.schedule, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 2 });
    expect(runner.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: expect.any(Number) });
    const pod = podOf(runner);
    expect(pod.serviceAccountName).toBe('restore-drill-runner');
    expect(pod.containers[0].image).toMatch(/^registry\.k8s\.io\/kubectl:v1\.32\.\d+$/);
    // kubectl's own image is distroless: BusyBox, copied in by an init container, is its shell.
    expect(pod.containers[0].command).toEqual(['/tools/sh', '/scripts/database-drill.sh']);
    expect(pod.initContainers[0].image).toBe(imageRef(IMAGES.busybox));
    expect(pod.initContainers[0].command.join(' ')).toMatch(/^\/bin\/sh -c cp \/bin\/busybox \/tools\/busybox && for a in sh date sleep tr /);
    expect(pod.containers[0].env).toContainEqual({ name: 'PATH', value: '/tools:/bin' });
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ DRILL_CLUSTER: 'drill-fx-notes-api', SOURCE: 'fx-notes-api/fx-notes-api-db', MAX_AGE_SECONDS: String(fixtureCluster.backups.alertAfterHours * 3600) });
  });

  it('restore a replica of the app\'s current Cluster from its bucket, with no archiver of their own', () => {
    expect(drill).toMatchObject({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'drill-fx-notes-api', namespace: NS },
      spec: { instances: 1, storage: { size: '5Gi' }, bootstrap: { recovery: { source: 'origin' } }, replica: { enabled: true, source: 'origin' } },
    });
    expect(drill.spec.plugins).toBeUndefined();
    expect(drill.spec.externalClusters).toEqual([{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'fx-notes-api-db', serverName: 'fx-notes-api-db' } } }]);
    expect(drill.spec.inheritedMetadata.labels['hobby-infra.dev/restore-drill']).toBe('database');
    const store = find(objects, 'ObjectStore', 'fx-notes-api-db', NS) as any;
    const live = find(objects, 'ObjectStore', 'fx-notes-api-db-backups', 'fx-notes-api') as any;
    expect(store.spec.configuration.destinationPath).toBe(live.spec.configuration.destinationPath);
    expect(store.spec.configuration.s3Credentials.accessKeyId.name).toBe('restore-drill-bucket-keys');
    expect(store.spec.retentionPolicy).toBeUndefined();
    const keys = find(objects, 'ExternalSecret', 'restore-drill-bucket-keys', NS) as any;
    expect(keys.spec.secretStoreRef.name).toBe('infisical-backups');
  });

  it('run the script of lib/constructs/, as it is, from the ConfigMap', () => {
    const scripts = find(objects, 'ConfigMap', 'restore-drill-scripts', NS) as any;
    for (const file of Object.values(SCRIPTS)) expect(scripts.data[file]).toBe(scriptText(file));
  });
});

describe('volume drills', () => {
  const volumes = cronJobs.filter((c) => c.metadata.name.startsWith('volume-'));

  it('run for every backed-up volume and Uptime Kuma\'s, into a scratch volume the size of the live one, never the live one', () => {
    expect(volumes.map((c) => c.metadata.name).sort()).toEqual(['volume-fx-shop-api', 'volume-uptime-kuma']);
    for (const c of volumes) {
      const pod = podOf(c);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.volumes.filter((v: any) => v.persistentVolumeClaim)).toEqual([]);
      expect(pod.containers[0].image).toMatch(/^docker\.io\/restic\/restic:/);
    }
    const shop = podOf(volumes.find((c) => c.metadata.name === 'volume-fx-shop-api'));
    expect(shop.volumes.find((v: any) => v.name === 'restore').ephemeral.volumeClaimTemplate.spec.resources.requests.storage).toBe('1Gi');
  });

  it('read the owner\'s repository with the read-only keys and the owner\'s password from the drills\' folder', () => {
    const secret = find(objects, 'ExternalSecret', 'volume-fx-shop-api-repository', NS) as any;
    expect(secret.spec.data.map((d: any) => d.remoteRef.key).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'RESTIC_PASSWORD_FX_SHOP']);
    // The very repository the app's ReplicationSource writes.
    const live = objects.find((o: any) => o.kind === 'ExternalSecret' && o.metadata.namespace === 'fx-shop' && o.spec.target?.template?.data?.RESTIC_REPOSITORY) as any;
    expect(secret.spec.target.template.data.RESTIC_REPOSITORY).toBe(live.spec.target.template.data.RESTIC_REPOSITORY);
    expect(secret.spec.target.template.data.RESTIC_REPOSITORY).toMatch(/fixture-backups-fx-shop\/volumes\//);
  });
});

describe('the bootstrap\'s restore-drills token', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'restore-drills-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const { apps } = render();
  const owners = backupOwners(apps);
  const app = new App({ outdir });
  new BootstrapStack(app, STACK_NAME, { cluster: fixtureCluster, hosts: publicHosts(fixtureCluster, apps), backupOwners: owners, state: defineStateBackend(fixtureStateBackend) });
  app.synth();
  const tf = JSON.parse(readFileSync(join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json'), 'utf8'));

  it('may read the objects of every backup bucket, and write none', () => {
    const token = tf.resource.cloudflare_account_token[DRILL_TOKEN_ID];
    expect(token.policies).toHaveLength(1);
    expect(token.policies[0].effect).toBe('allow');
    expect(JSON.parse(token.policies[0].resources)).toEqual(Object.fromEntries(owners.map((o) => [r2BucketResource(fixtureCluster.backups.r2.accountId, backupBucket(fixtureCluster, o)), '*'])));
    expect(token.policies[0].permission_groups).toBe('${local.drill_token_permission_groups}');
    const names = JSON.parse(/contains\((\[[^\]]*\]), g\.name\)/.exec(tf.locals.drill_token_permission_groups)![1]!);
    expect(names).toEqual(['Workers R2 Storage Bucket Item Read']);
    expect(names).toEqual([...DRILL_TOKEN_PERMISSIONS]);
    expect(token.lifecycle.precondition[0].condition).toBe('${(length(local.drill_token_permission_groups) == 1)}');
  });

  it('hands its keys out only through a sensitive output', () => {
    expect(tf.output.restore_drill_credentials.sensitive).toBe(true);
    expect(tf.output.restore_drill_credentials.value).toEqual({ AWS_ACCESS_KEY_ID: `\${cloudflare_account_token.${DRILL_TOKEN_ID}.id}`, AWS_SECRET_ACCESS_KEY: `\${sha256(cloudflare_account_token.${DRILL_TOKEN_ID}.value)}` });
  });
});

describe('alerts and capacity', () => {
  it('alert on a failed drill, and on no success for longer than the schedule\'s interval plus slack', () => {
    const rules = backupAlertRules(fixtureCluster).groups[0]!.rules;
    const failed = rules.find((r) => r.alert === 'RestoreDrillFailed')!;
    expect(failed.expr).toContain('kube_cronjob_status_last_schedule_time{cluster="fixture", namespace="restore-drills"}');
    expect(failed.expr).toContain('kube_cronjob_status_active');
    const missed = rules.find((r) => r.alert === 'RestoreDrillMissed')!;
    // Weekly (the default): 168 h, plus 6 h.
    expect(missed.expr).toContain('> 626400');
    const daily = defineCluster({ ...(fixtureCluster as ClusterConfigInput), backups: { ...fixtureCluster.backups, drills: { schedule: '0 6 * * *' } } });
    expect(backupAlertRules(daily).groups[0]!.rules.find((r) => r.alert === 'RestoreDrillMissed')!.expr).toContain('> 108000');
  });

  it('the capacity report counts the largest drill Cluster once, with its sidecar', () => {
    const report = capacityReport(objects, fixtureCluster);
    const drills = report.components.filter((c) => c.name.includes('(restore drill)'));
    expect(drills).toEqual([expect.objectContaining({ name: 'Cluster restore-drills/drill-fx-notes-api (restore drill)', replicas: 0, maxReplicas: 1, each: { cpuRequest: 120, memoryRequest: 352, cpuLimit: 1500, memoryLimit: 896 } })]);
  });
});

describe('bad input is refused with file and field', () => {
  const big = (memory: string) => appFile('ledger', { image: 'ghcr.io/me/ledger:1.0.0', port: 8080, database: { size: '1Gi', resources: { requests: { memory }, limits: { memory } } }, databaseEnv: { DATABASE_URL: 'uri' } });

  it('a database whose drill would not fit one node of the pool', () => {
    // The drill's instance has the database's shape (its resources and the backup sidecar): the one fit rule (lib/spec/node-fit.ts) refuses both.
    const drill = render({ apps: [big('3Gi')] }).objects.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'restore-drill-clusters') as any;
    expect(drill.data['ledger.yaml']).toContain('memory: 3Gi');
    expect(() => render({ apps: [big('4Gi')] })).toThrow(/apps\/ledger\.ts[\s\S]*database\.resources\.requests\.memory: got "4Gi" \(with the backup sidecar's 20m CPU and 96Mi\), expected at most 3686Mi in all, what one g4s\.kube\.medium node/);
    expect(() => render({ apps: [big('3Gi')] })).not.toThrow();
    const small = defineCluster({ ...(fixtureCluster as ClusterConfigInput), nodePool: { ...fixtureCluster.nodePool, size: 'g4s.kube.xsmall' } });
    expect(() => render({ cluster: small, apps: [big('1Gi')] })).toThrow(/database\.resources\.requests\.memory: got "1Gi" .*g4s\.kube\.xsmall node/);
  });

  it('a drill schedule the CronJob controller cannot parse', () => {
    const withSchedule = (schedule: string) => defineCluster({ ...(fixtureCluster as ClusterConfigInput), backups: { ...fixtureCluster.backups, drills: { schedule } } }, 'config/cluster.ts');
    expect(() => withSchedule('0 5 * * 7')).toThrow(/config\/cluster\.ts[\s\S]*backups\.drills\.schedule: got "0 5 \* \* 7", expected a day of week from 0 to 6/);
    expect(() => withSchedule('0 0 30 2 *')).toThrow(/backups\.drills\.schedule: got "0 0 30 2 \*", expected a schedule that fires at least once/);
    expect(withSchedule('@weekly').backups.drills.schedule).toBe('@weekly');
  });
});
