import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKUP_TOKEN_PERMISSIONS, backupIds, DRILL_TOKEN_ID, r2BucketResource } from '../bootstrap/backups';
import { BootstrapStack, STACK_NAME } from '../bootstrap/stack';
import { defineStateBackend } from '../bootstrap/state';
import { appNameProblem, loadApps, type AppSource } from '../lib/app-spec';
import { backupOwners, PLATFORM_BACKUP_OWNERS } from '../lib/backup-owners';
import { backupBucket, defineCluster, R2_BUCKET_NAME, type ClusterConfig, type ClusterConfigInput } from '../lib/config';
import { BACKUP_KEYS } from '../lib/constructs/backups';
import { platformHosts, publicHosts } from '../lib/hosts';
import { fixtureCluster, fixtureStateBackend } from './fixtures/cluster';
import { appFile, render } from './helpers';

/*
 * One R2 bucket and one bucket-scoped token per app with backups (bootstrap/backups.ts), checked on
 * the synthesized Terraform JSON (no provider is reachable here), with apps and a config of this
 * test's own; and checked against what the charts render for the same apps.
 */

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Json = Record<string, any>;

const image = (name: string) => `ghcr.io/me/${name}:1.0.0`;
const APPS: AppSource[] = [
  appFile('ledger', { image: image('ledger'), port: 8080, database: { size: '1Gi' }, databaseEnv: { DATABASE_URL: 'uri' } }),
  appFile('files', { image: image('files'), port: 8080, volume: { mountPath: '/data', size: '1Gi' } }),
  appFile('scratch', { image: image('scratch'), port: 8080, volume: { mountPath: '/data', size: '1Gi', noBackup: { reason: 'a cache the app rebuilds' } } }),
  appFile('web', { image: image('web'), port: 8080, hosts: ['web'] }),
  appFile('shop', {
    components: {
      web: { image: image('shop-web'), port: 8080, databaseEnv: { DATABASE_URL: 'uri' } },
      api: { image: image('shop-api'), port: 8081, path: '/api', volumes: { uploads: { mountPath: '/uploads', size: '1Gi' }, index: { mountPath: '/index', size: '1Gi' } } },
    },
    database: { size: '1Gi' },
  }),
];
const WITH_BACKUPS = ['files', 'ledger', 'shop'];
/** Who the bootstrap gives a bucket: these apps, and the platform namespaces that back up. */
const OWNERS = [...PLATFORM_BACKUP_OWNERS, ...WITH_BACKUPS].sort();

function synth(cluster: ClusterConfig, sources: readonly AppSource[], owners?: readonly string[]): Json {
  const apps = loadApps(sources, cluster, platformHosts(cluster));
  const outdir = mkdtempSync(join(tmpdir(), 'bootstrap-backups-test-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  new BootstrapStack(app, STACK_NAME, { cluster, hosts: publicHosts(cluster, apps), backupOwners: owners ?? backupOwners(apps), state: defineStateBackend(fixtureStateBackend) });
  app.synth();
  return JSON.parse(readFileSync(join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json'), 'utf8'));
}

const variant = (r2: Partial<ClusterConfigInput['backups']['r2']>): ClusterConfig =>
  defineCluster({ ...(fixtureCluster as ClusterConfigInput), backups: { ...fixtureCluster.backups, r2: { ...fixtureCluster.backups.r2, ...r2 } } }, 'test/fixtures/cluster.ts');

const tf = synth(fixtureCluster, APPS);
const { accountId } = fixtureCluster.backups.r2;
const bucketOf = (owner: string) => backupBucket(fixtureCluster, owner);
const ofType = (json: Json, type: string): Json => json.resource?.[type] ?? {};

describe('a bucket per app with backups', () => {
  it('is derived from the configured prefix and the app name', () => {
    expect(backupOwners(loadApps(APPS, fixtureCluster))).toEqual(OWNERS);
    expect(WITH_BACKUPS.map(bucketOf)).toEqual(['fixture-backups-files', 'fixture-backups-ledger', 'fixture-backups-shop']);
  });

  it('exists for every app with a database or a backed-up volume, and for no other app', () => {
    const buckets = ofType(tf, 'cloudflare_r2_bucket');
    expect(Object.keys(buckets).sort()).toEqual(OWNERS.map((o) => backupIds(o).bucket));
    for (const owner of OWNERS) {
      expect(buckets[backupIds(owner).bucket]).toMatchObject({ account_id: accountId, name: bucketOf(owner), location: 'weur', jurisdiction: 'default', lifecycle: { prevent_destroy: true } });
      const lifecycle = ofType(tf, 'cloudflare_r2_bucket_lifecycle')[backupIds(owner).lifecycle];
      expect(lifecycle.bucket_name).toBe(`\${cloudflare_r2_bucket.${backupIds(owner).bucket}.name}`);
      expect(lifecycle.rules).toEqual([expect.objectContaining({ enabled: true, abort_multipart_uploads_transition: { condition: { type: 'Age', max_age: 604800 } } })]);
    }
    expect(Object.keys(ofType(tf, 'cloudflare_r2_bucket_lifecycle'))).toHaveLength(OWNERS.length);
    expect(tf.output.backup_buckets).toEqual({ value: Object.fromEntries(OWNERS.map((o) => [o, `\${cloudflare_r2_bucket.${backupIds(o).bucket}.name}`])), description: expect.any(String) });
  });

  it('holds exactly the buckets the rendered ObjectStores, restic repositories and backup stores use', () => {
    const objects = render({ cluster: fixtureCluster, apps: APPS }).objects as any[];
    const used = new Map<string, Set<string>>();
    const note = (namespace: string, url: string) => {
      const bucket = /^s3:(?:\/\/|https:\/\/[^/]+\/)([^/]+)\//.exec(url)?.[1];
      expect(bucket, url).toBeDefined();
      used.set(namespace, (used.get(namespace) ?? new Set()).add(bucket!));
    };
    // The restore drills read every bucket with the read-only token (below), and write none.
    const writers = objects.filter((o) => o.metadata.namespace !== 'restore-drills');
    for (const o of writers.filter((o) => o.kind === 'ObjectStore')) note(o.metadata.namespace, o.spec.configuration.destinationPath);
    for (const o of writers.filter((o) => o.kind === 'ExternalSecret' && o.spec.target?.template?.data?.RESTIC_REPOSITORY)) note(o.metadata.namespace, o.spec.target.template.data.RESTIC_REPOSITORY);
    // Each namespace writes to one bucket, its own; together they are the buckets the bootstrap creates.
    expect([...used.keys()].sort()).toEqual(OWNERS);
    for (const [namespace, buckets] of used) expect([...buckets]).toEqual([bucketOf(namespace)]);
    const created = Object.values(ofType(tf, 'cloudflare_r2_bucket')).map((b: any) => b.name).sort();
    expect([...used.values()].flatMap((b) => [...b]).sort()).toEqual(created);
    // And the keys each namespace reads are the ones the bootstrap hands out for that namespace.
    const stores = writers.filter((o) => o.kind === 'SecretStore' && o.metadata.name === 'infisical-backups');
    expect(stores.map((s) => [s.metadata.namespace, s.spec.provider.infisical.secretsScope.secretsPath]).sort()).toEqual(OWNERS.map((o) => [o, `/backups/${o}`]));
    expect(Object.keys(tf.output.backup_credentials.value).sort()).toEqual(OWNERS);
  });

  it('fits R2\'s bucket names for the longest app name and the longest prefix the config allows', () => {
    const longest = 'a'.repeat(40);
    expect(appNameProblem(longest)).toBeUndefined();
    expect(appNameProblem(`${longest}a`)).toBeDefined();
    const bucket = backupBucket(variant({ bucketPrefix: 'p'.repeat(22) }), longest);
    expect(bucket).toHaveLength(63);
    expect(bucket).toMatch(R2_BUCKET_NAME);
  });
});

describe('a token per bucket', () => {
  // The restore drills' read-only token has tests of its own (test/restore-drills.test.ts).
  const { [DRILL_TOKEN_ID]: _drills, ...tokens } = ofType(tf, 'cloudflare_account_token');

  it('exists once per app with backups, after its bucket', () => {
    expect(Object.keys(tokens).sort()).toEqual(OWNERS.map((o) => backupIds(o).token));
    for (const owner of OWNERS) expect(tokens[backupIds(owner).token].depends_on).toEqual([`cloudflare_r2_bucket.${backupIds(owner).bucket}`]);
  });

  it('reaches its own bucket and no other: one allow policy, one resource, naming that bucket exactly', () => {
    for (const owner of OWNERS) {
      const token = tokens[backupIds(owner).token];
      expect(token.account_id).toBe(accountId);
      expect(token.policies).toHaveLength(1);
      const [policy] = token.policies;
      expect(policy.effect).toBe('allow');
      const resources = JSON.parse(policy.resources);
      expect(resources).toEqual({ [`com.cloudflare.edge.r2.bucket.${accountId}_default_${bucketOf(owner)}`]: '*' });
      expect(Object.keys(resources)).toEqual([r2BucketResource(accountId, bucketOf(owner))]);
      for (const other of OWNERS.filter((o) => o !== owner)) expect(policy.resources).not.toContain(bucketOf(other));
    }
  });

  it('may read and write objects, nothing account-wide: the bucket-level R2 groups, looked up by name', () => {
    const data = tf.data.cloudflare_account_api_token_permission_groups_list.r2_bucket_permissions;
    expect(data).toMatchObject({ account_id: accountId, scope: 'com.cloudflare.edge.r2.bucket' });
    const expression: string = tf.locals.backup_token_permission_groups;
    expect(expression).toContain('for g in data.cloudflare_account_api_token_permission_groups_list.r2_bucket_permissions.result : { id = g.id }');
    const names = JSON.parse(/contains\((\[[^\]]*\]), g\.name\)/.exec(expression)![1]!);
    expect(names).toEqual(['Workers R2 Storage Bucket Item Read', 'Workers R2 Storage Bucket Item Write']);
    expect(names).toEqual([...BACKUP_TOKEN_PERMISSIONS]);
    for (const token of Object.values(tokens) as Json[]) {
      expect(token.policies[0].permission_groups).toBe('${local.backup_token_permission_groups}');
      // A missing group (the bootstrap token cannot list them) stops the plan instead of creating a powerless token.
      expect(token.lifecycle.precondition).toEqual([{ condition: '${(length(local.backup_token_permission_groups) == 2)}', error_message: expect.stringContaining('Account API Tokens') }]);
    }
  });

  it('hands its S3 keys out only through a sensitive output, keyed by the names the charts read from Infisical', () => {
    const output = tf.output.backup_credentials;
    expect(output.sensitive).toBe(true);
    expect(output.value).toEqual(
      Object.fromEntries(
        OWNERS.map((o) => {
          const token = `cloudflare_account_token.${backupIds(o).token}`;
          return [o, { [BACKUP_KEYS.accessKeyId]: `\${${token}.id}`, [BACKUP_KEYS.secretAccessKey]: `\${sha256(${token}.value)}` }];
        }),
      ),
    );
    expect(tf.output.backup_buckets.sensitive).toBeUndefined();
  });
});

describe('changes over time', () => {
  it('forgets the bucket every app shared, without deleting it', () => {
    for (const json of [tf, synth(fixtureCluster, [])]) {
      expect(json.removed).toEqual([
        { from: 'cloudflare_r2_bucket.backups', lifecycle: { destroy: false } },
        { from: 'cloudflare_r2_bucket_lifecycle.backups-lifecycle', lifecycle: { destroy: false } },
      ]);
    }
  });

  it('adds one bucket, its lifecycle and its token, and changes nothing else, when an app gains a database', () => {
    const before = synth(fixtureCluster, APPS);
    const after = synth(fixtureCluster, APPS.map((a) => (a.file === 'apps/web.ts' ? appFile('web', { ...(a.exports.default as object), database: { size: '1Gi' }, databaseEnv: { DATABASE_URL: 'uri' } }) : a)));
    const ids = backupIds('web');
    for (const [type, id] of [['cloudflare_r2_bucket', ids.bucket], ['cloudflare_r2_bucket_lifecycle', ids.lifecycle], ['cloudflare_account_token', ids.token]] as const) {
      expect(Object.keys(after.resource[type]).filter((k) => !(k in before.resource[type]))).toEqual([id]);
      for (const k of Object.keys(before.resource[type]).filter((k) => k !== DRILL_TOKEN_ID)) expect(after.resource[type][k]).toEqual(before.resource[type][k]);
    }
    // The restore drills' token reads the new bucket too.
    expect(Object.keys(JSON.parse(after.resource.cloudflare_account_token[DRILL_TOKEN_ID].policies[0].resources))).toContain(r2BucketResource(accountId, bucketOf('web')));
    expect(JSON.parse(after.resource.cloudflare_account_token[ids.token].policies[0].resources)).toEqual({ [r2BucketResource(accountId, bucketOf('web'))]: '*' });
  });

  it('keeps a former app\'s bucket, never destroyed, and deletes its token', () => {
    const kept = synth(variant({ formerApps: ['old-notes'] }), APPS);
    expect(ofType(kept, 'cloudflare_r2_bucket')[backupIds('old-notes').bucket]).toMatchObject({ name: 'fixture-backups-old-notes', lifecycle: { prevent_destroy: true } });
    expect(ofType(kept, 'cloudflare_account_token')[backupIds('old-notes').token]).toBeUndefined();
    expect(Object.keys(kept.output.backup_credentials.value)).not.toContain('old-notes');
    expect(Object.keys(kept.output.backup_buckets.value)).toContain('old-notes');
  });

  it('creates no token, lookup or credentials output without apps that back up', () => {
    const none = synth(fixtureCluster, [APPS[3]!], []);
    expect(none.resource.cloudflare_r2_bucket).toBeUndefined();
    expect(none.resource.cloudflare_account_token).toBeUndefined();
    expect(none.data?.cloudflare_account_api_token_permission_groups_list).toBeUndefined();
    expect(none.locals).toBeUndefined();
    expect(none.output.backup_credentials).toBeUndefined();
  });
});

describe('bad input fails with a message naming the field', () => {
  it.each([
    ['p'.repeat(23), /backups\.r2\.bucketPrefix: got "p{23}", expected at most 22 characters, so that <prefix>-<app> fits R2's 63 for the longest app name \(40\)/],
    ['Backups', /backups\.r2\.bucketPrefix: got "Backups", expected lowercase letters, digits and dashes/],
    ['backups-', /backups\.r2\.bucketPrefix: got "backups-", expected lowercase letters, digits and dashes/],
  ])('config bucketPrefix %j', (bucketPrefix, message) => {
    expect(() => variant({ bucketPrefix })).toThrow(message);
  });

  it('refuses a former app that is no app name', () => {
    expect(() => variant({ formerApps: ['Old_App'] })).toThrow(/backups\.r2\.formerApps\.0: got "Old_App", expected an app name/);
  });

  it('refuses a hand-built owner whose bucket R2 would refuse, or an owner twice', () => {
    expect(() => synth(fixtureCluster, APPS, ['files', 'x'.repeat(60)])).toThrow(/bootstrap\/stack\.ts[\s\S]*backupOwners\.1: got "x{60}", expected a name whose bucket "fixture-backups-x{60}" is an R2 bucket name/);
    expect(() => synth(fixtureCluster, APPS, ['files', 'files'])).toThrow(/backupOwners\.1: got files twice, expected each owner once/);
    expect(() => synth(fixtureCluster, APPS, ['Files'])).toThrow(/backupOwners\.0: got "Files"/);
  });
});
