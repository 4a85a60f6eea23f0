import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { appRefused, scratchDist } from './fixtures/bad-input';
import { fixtureClusterInput, withBackups } from './fixtures/cluster';
import { appFile, copyProject, readTree, render } from './helpers';
import { defineCluster } from '../lib/config';

/*
 * The bad-input corpus of issue 23's classes 1, 3, 8 and 9: names the operators derive, upper bounds
 * and a pod larger than a node, apps that run nothing, and new-app writing what synth refuses.
 * Each case is refused with the file and field named, no stack trace, and the scratch dist/ untouched.
 */

const outdir = scratchDist();
const image = 'ghcr.io/me/x:1.0.0';
const one = { image, port: 8080, hosts: ['x'] };
const withDb = (extra: object, database: object = { size: '1Gi' }) => ({ hosts: ['x'], database, components: { web: { image, port: 8080, databaseEnv: { DATABASE_URL: 'uri' } }, ...extra } });
const volumes = (v: Record<string, object>, extra: object = {}) => ({ ...one, volumes: Object.fromEntries(Object.entries(v).map(([n, o]) => [n, { mountPath: `/${n}`, size: '1Gi', ...o }])), ...extra });
const res = (r: object, base: object = one) => ({ ...base, resources: r });
const big = (kib: number) => 'a'.repeat(kib * 1024);

// [case, app name, declaration, the field and expectation the message must name]
const nameCases: [string, string, unknown, RegExp][] = [
  ['a component named like the primary Service', 'x', withDb({ 'db-rw': { image, port: 80, internal: true } }), /components\.db-rw: got "x-db-rw" as a Service name, expected a name CloudNativePG does not give the database's own Services \(x-db-rw is its primary\)/],
  ['a component named like the read-only Service', 'x', withDb({ 'db-ro': { image, port: 80, internal: true } }), /components\.db-ro: got "x-db-ro" as a Service name, .*\(x-db-ro is its read-only replicas\)/],
  ['a component named like the any-instance Service', 'x', withDb({ 'db-r': { image, port: 80, internal: true } }), /components\.db-r: got "x-db-r" as a Service name, .*\(x-db-r is any of its instances\)/],
  ['a component named like the headless Service', 'x', withDb({ 'db-any': { image, port: 80, internal: true } }), /components\.db-any: got "x-db-any" as a Service name, .*headless Service/],
  ['a component whose PDB is the database\'s', 'x', withDb({ db: { image, replicas: 2 } }), /components\.db: got "x-db" as a PodDisruptionBudget name, expected a name CloudNativePG does not give the database's own PodDisruptionBudgets/],
  ['a component whose PDB is the primary\'s', 'x', withDb({ 'db-primary': { image, replicas: 3 } }), /components\.db-primary: got "x-db-primary" as a PodDisruptionBudget name, .*its primary's budget/],
  ['a worker in the database\'s name family', 'x', withDb({ 'db-admin': { image } }), /components\.db-admin: got the name "db-admin", expected a name not starting with db/],
  ['a volume that is an instance\'s data volume', 'x', volumes({ 'db-1': {} }, { databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi' } }), /volumes\.db-1: got "x-db-1" as a PersistentVolumeClaim name, expected a name CloudNativePG does not give the database's own volumes \(x-db-1 is an instance's data volume\)/],
  ['a volume that is a later instance\'s', 'x', volumes({ 'db-12': {} }, { databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi' } }), /volumes\.db-12: got "x-db-12" as a PersistentVolumeClaim name/],
  ['a volume that is an instance\'s WAL volume', 'x', volumes({ 'db-2-wal': {} }, { databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi' } }), /volumes\.db-2-wal: got "x-db-2-wal" as a PersistentVolumeClaim name, .*WAL or tablespace volume/],
  ['a volume that is a restored database\'s instance', 'x', volumes({ 'db-r2608011000-1': {} }, { databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00Z' } } }), /volumes\.db-r2608011000-1: got "x-db-r2608011000-1" as a PersistentVolumeClaim name/],
  ['a volume that is the cache\'s volume', 'x', volumes({ 'cache-data': {} }, { cacheEnv: { REDIS_URL: 'url' }, cache: { persistence: { size: '1Gi' } } }), /volumes\.cache-data: got "x-cache-data" as a PersistentVolumeClaim name, expected a name of its own \(cache renders a PersistentVolumeClaim of that name too\)/],
  ['two components\' volumes with one claim', 'x', { hosts: ['x'], components: { a: { image, port: 80, volumes: { 'b-c': { mountPath: '/d', size: '1Gi' } } }, 'a-b': { image, volumes: { c: { mountPath: '/d', size: '1Gi' } } } } }, /components\.a-b\.volumes\.c: got "x-a-b-c" as a PersistentVolumeClaim name, expected a name of its own \(components\.a\.volumes\.b-c renders/],
  ['two volumes backed up under one name', 'x', { hosts: ['x'], components: { a: { image, port: 80, volumes: { b: { mountPath: '/d', size: '1Gi' } } }, 'a-b': { image, volume: { mountPath: '/d', size: '1Gi' } } } }, /components\.a-b\.volumes\.data: got "x-a-b" as a ReplicationSource name, expected a name of its own \(components\.a\.volumes\.b renders/],
  ['a volume that is VolSync\'s cache of another', 'volsync', volumes({ data: {}, 'src-volsync-cache': {} }), /volumes\.src-volsync-cache: got "volsync-src-volsync-cache" as a PersistentVolumeClaim name, expected a name VolSync does not give the volume backup's mover objects \(volsync-src-volsync-cache is restic's cache\)/],
  ['a volume that is VolSync\'s older cache name', 'volsync', volumes({ data: {}, 'volsync-cache': {} }), /volumes\.volsync-cache: got "volsync-volsync-cache" as a PersistentVolumeClaim name, .*older VolSync releases/],
  ['a component named cache beside the cache', 'x', { hosts: ['x'], cache: {}, components: { web: { image, port: 80, cacheEnv: { REDIS_URL: 'url' } }, cache: { image } } }, /components\.cache: got the name "cache", expected another: x-cache is the app's cache/],
];

const boundCases: [string, string, unknown, RegExp][] = [
  ['memory beyond resource.Quantity', 'x', res({ requests: { memory: '10000000Ti' }, limits: { memory: '10000000Ti' } }), /resources\.limits\.memory: got "10000000Ti", expected at most 8388607Ti \(2\^63-1 bytes, the most Kubernetes' resource\.Quantity holds\)/],
  ['CPU beyond resource.Quantity', 'x', res({ requests: { cpu: '9300000000000000' }, limits: { cpu: '9300000000000000' } }), /resources\.requests\.cpu: got "9300000000000000", expected at most 9223372036854775807m/],
  ['a volume beyond resource.Quantity', 'x', volumes({ data: { size: '9999999999999Ti' } }), /volumes\.data\.size: got "9999999999999Ti", expected at most 8388607Ti/],
  ['scratch space beyond resource.Quantity', 'x', { ...one, scratch: { '/cache': '8388608Ti' } }, /scratch\.\/cache: got "8388608Ti", expected at most 8388607Ti/],
  ['a database beyond resource.Quantity', 'x', { ...one, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '9000000Ti' } }, /database\.size: got "9000000Ti", expected at most 8388607Ti/],
  ['a cache volume beyond resource.Quantity', 'x', { ...one, cacheEnv: { REDIS_URL: 'url' }, cache: { persistence: { size: '9000000Ti' } } }, /cache\.persistence\.size: got "9000000Ti"/],
  ['a request body limit beyond what Traefik reads exactly', 'x', { ...one, http: { maxBodySize: '9000Ti' } }, /http\.maxBodySize: got 9895604649984000 bytes, expected at most 8191Ti/],
  ['a memory request larger than a node gives', 'x', res({ requests: { memory: '4Gi' }, limits: { memory: '4Gi' } }), /resources\.requests\.memory: got "4Gi", expected at most 3686Mi in all, what one g4s\.kube\.medium node \(config nodePool\.size\) gives pods: its 4Gi less the 10 % system reserve; a larger pod stays Pending/],
  ['a CPU request larger than a node gives', 'x', res({ requests: { cpu: '1900m' }, limits: { cpu: '2' } }), /resources\.requests\.cpu: got "1900m", expected at most 1800m in all, what one g4s\.kube\.medium node/],
  ['a memory limit beyond a node', 'x', res({ requests: { memory: '1Gi' }, limits: { memory: '5Gi' } }), /resources\.limits\.memory: got "5Gi", expected at most 4Gi, all one g4s\.kube\.medium node has \(config nodePool\.size\)/],
  ['a CPU limit beyond a node', 'x', res({ limits: { cpu: '3' } }), /resources\.limits\.cpu: got "3", expected at most 2, all one g4s\.kube\.medium node has/],
  ['a cache larger than a node gives', 'x', { ...one, cacheEnv: { REDIS_URL: 'url' }, cache: { memory: '3700Mi' } }, /cache\.memory: got "3700Mi", expected at most 3686Mi in all/],
  ['a database instance that fits only without its sidecar', 'x', { ...one, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi', resources: { requests: { memory: '3650Mi' }, limits: { memory: '4Gi' } } } }, /database\.resources\.requests\.memory: got "3650Mi" \(with the backup sidecar's 20m CPU and 96Mi\), expected at most 3686Mi in all/],
  ['a job larger than a node gives', 'x', { ...one, jobs: { migrate: { image, resources: { requests: { memory: '3800Mi' }, limits: { memory: '3800Mi' } } } } }, /jobs\.migrate\.resources\.requests\.memory: got "3800Mi", expected at most 3686Mi/],
  ['a cron job larger than a node gives', 'x', { ...one, cronJobs: { nightly: { image, schedule: '0 3 * * *', resources: { requests: { cpu: '2' }, limits: { cpu: '2' } } } } }, /cronJobs\.nightly\.resources\.requests\.cpu: got "2", expected at most 1800m/],
  ['an env value over 128 KiB', 'x', { ...one, env: { BLOB: big(130) } }, /env\.BLOB: got a value of 133120 bytes, expected at most 131066 \(Linux passes at most 128 KiB per variable/],
  ['over 1 MiB of environment', 'x', { ...one, env: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`PART_${i}`, big(120)])) }, /env: got \d+ bytes of environment, command and arguments, expected at most 1048576 in all/],
  ['over 1 MiB of files', 'x', { ...one, files: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`/etc/x/${i}.conf`, big(250)])) }, /files: got 1280000 bytes of files, expected at most 1048576 in all \(1 MiB: a process's files are one ConfigMap/],
  ['pod-security reasons beyond the annotation limit', 'x', { hosts: ['x'], components: Object.fromEntries(Array.from({ length: 280 }, (_, i) => [`c${i}`, { image, ...(i === 0 ? { port: 80 } : {}), insecure: { runAsRoot: true, reason: '\u{1F512}'.repeat(250) } }])) }, /insecure\.reason: got \d+ bytes of reasons across the app's processes, expected at most 262109 in all \(they are the namespace's hobby-infra\.dev\/pod-security-reason annotation/],
  ['a backup name longer than a label value', 'x', { hosts: ['x'], components: { ['w'.repeat(40)]: { image, port: 80, volumes: { ['v'.repeat(30)]: { mountPath: '/d', size: '1Gi' } } } } }, new RegExp(`components\\.w{40}\\.volumes\\.v{30}: got "x-w{40}-v{30}" as the name of its backups \\(73 characters\\), expected at most 63`)],
];

const emptyCases: [string, string, unknown, RegExp][] = [
  ['no components', 'x', { components: {} }, /components: got no components, jobs or cron jobs, expected at least one process/],
  ['no components but hosts', 'x', { hosts: ['x'], components: {} }, /components: got no components, jobs or cron jobs, expected at least one process/],
  ['no components but a database', 'x', { components: {}, database: { size: '1Gi' } }, /components: got no components, jobs or cron jobs/],
];

describe.each([
  ['names the operators derive (class 1)', nameCases],
  ['upper bounds, and pods larger than a node (class 3)', boundCases],
  ['apps that run nothing (class 9)', emptyCases],
] as const)('%s: refused naming the file and field, dist/ untouched', (_, cases) => {
  test.each(cases)('%s', async (_case, name, spec, message) => {
    const text = await appRefused(outdir, name, spec);
    expect(text).toMatch(message);
    expect(text).not.toMatch(/\n\s+at /);
    // Values that may be secrets are never shown, only their size.
    expect(text).not.toContain('aaaaaaaa');
  });
});

test('an app with no processes and hosts gets the one message, not also the hosts one', async () => {
  const text = await appRefused(outdir, 'x', { hosts: ['x'], components: {} });
  expect(text).not.toMatch(/hosts: got hosts for an app with no web component/);
});

test('the same request fits a larger node, and is refused on a smaller one (the rule reads nodePool.size)', async () => {
  const spec = res({ requests: { memory: '1Gi' }, limits: { memory: '1Gi' } });
  expect(() => render({ apps: [appFile('x', spec)] })).not.toThrow();
  const xsmall = defineCluster({ ...fixtureClusterInput, nodePool: { ...fixtureClusterInput.nodePool, size: 'g4s.kube.xsmall' } });
  const text = await appRefused(outdir, 'x', spec, xsmall);
  expect(text).toMatch(/resources\.requests\.memory: got "1Gi", expected at most 921Mi in all, what one g4s\.kube\.xsmall node/);
});

test('a later data generation: the volume that is its instance\'s data volume', async () => {
  const text = await appRefused(outdir, 'x', volumes({ 'db-g2-1': {} }, { databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi' } }), withBackups({ generation: 2 }));
  expect(text).toMatch(/volumes\.db-g2-1: got "x-db-g2-1" as a PersistentVolumeClaim name/);
});

describe('valid names near the rules still render', () => {
  test.each(['network', 'limits', 'volumes'])('an app called %s (the name of a part of the app chart)', (name) => {
    const { objects } = render({ apps: [appFile(name, { image, port: 8080, hosts: [name] })] });
    expect(objects.filter((o) => o.metadata.namespace === name && o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual([name]);
  });

  test('a volume db-1 without a database, a quota summed exactly at the largest node size', () => {
    const { objects } = render({ apps: [appFile('x', volumes({ 'db-1': { size: '8388607Ti' } }))] });
    const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'x') as any;
    // 8388607Ti of the volume plus the backup mover's 1Gi cache: an exact sum, never 8.8e+12Gi.
    expect(quota.spec.hard['requests.storage']).toBe(`${8388607 * 1024 + 1}Gi`);
  });
});

test('the corpus has at least 30 cases of these classes', () => {
  expect(nameCases.length + boundCases.length + emptyCases.length).toBeGreaterThanOrEqual(30);
});

/*
 * new-app (class 8), run as users run it in a scratch copy of the project with the tests' own config
 * and apps: what it accepts, synth accepts; what synth refuses, it refuses before writing.
 */
describe('new-app validates as synth does, short of writing dist/', () => {
  const root = resolve(import.meta.dirname, '..');
  const work = mkdtempSync(join(tmpdir(), 'hobby-new-app-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  copyProject(root, work, { dist: true });
  const run = (script: string, ...args: string[]) => spawnSync(process.execPath, ['scripts/run.mjs', `scripts/${script}.ts`, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: '' } });

  test('an image whose tag secretlint flags is refused before apps/ is written (synth refuses it)', () => {
    const apps = readTree(join(work, 'apps'));
    const tag = ['ghp', 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'].join('_');
    const result = run('new-app', 'leak', '--image', `ghcr.io/me/leak:${tag}`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^new-app: apps\/leak\.ts: invalid declaration\n {2}- Deployment leak: spec\.template\.spec\.containers\.0\.image: got a value secretlint flags as a secret/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readTree(join(work, 'apps'))).toEqual(apps);
  });

  test('an app called network is written, and synth renders it (it crashed synth before)', () => {
    const result = run('new-app', 'network', '--image', 'ghcr.io/me/net:1.0.0', '--host', 'net');
    expect(result.stderr).toBe('');
    expect(existsSync(join(work, 'apps/network.ts'))).toBe(true);
    const synth = run('synth', '--outdir', join(work, 'out'));
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
  });
});
