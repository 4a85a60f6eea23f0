import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fixtureCluster as cluster } from './fixtures/cluster';
import type { AppSource } from '../lib/app-spec';
import { SpecError } from '../lib/validation';
import { synthesize } from '../platform';
import { appFile, readTree } from './helpers';

/*
 * Bad declarations of the process model (components of every kind, jobs, cron jobs, the cache,
 * volumes, scratch paths, config files, database variables, opt-outs, HTTP limits): each refused by
 * synth with the file and the field named, and the output folder left as it was. Each case is the
 * only app synthesized, so the user's own apps/ never change what these tests see.
 */

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hobby-bad-processes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const outdir = join(work, 'dist');
const sentinel = join(outdir, 'kept.yaml');

async function synthFails(source: AppSource): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(sentinel, 'kept: true\n');
  let error: unknown;
  try {
    await synthesize({ cluster, appSources: [source], outdir, root });
  } catch (e) {
    error = e;
  }
  expect(error, 'synth accepted it').toBeInstanceOf(SpecError);
  expect([...readTree(outdir).keys()]).toEqual(['kept.yaml']);
  expect(readFileSync(sentinel, 'utf8')).toBe('kept: true\n');
  return (error as SpecError).message;
}

const proc = { image: 'ghcr.io/me/proc:1.0.0', port: 8080, hosts: ['proc'] };
const two = { hosts: ['proc'], components: { web: { image: 'ghcr.io/me/web:1.0.0', port: 8080 }, api: { image: 'ghcr.io/me/api:1.0.0', port: 8081, path: '/api' } } };
const vol = (v: object) => ({ ...proc, volume: { mountPath: '/data', size: '1Gi', ...v } });
// Assembled at run time so this file stays clean for secretlint.
const githubToken = ['ghp', 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'].join('_');

// [case, app file name, default export, the field and value the message must name]
const cases: [string, string, unknown, RegExp][] = [
  // Processes of every kind (issue 18): each new field refused with its file and field named.
  ['cron hour out of range', 'proc', { ...proc, cronJobs: { nightly: { image: 'ghcr.io/me/n:1.0.0', schedule: '0 24 * * *' } } }, /cronJobs\.nightly\.schedule: got "0 24 \* \* \*", expected .*hour/],
  ['cron schedule that never fires', 'proc', { ...proc, cronJobs: { nightly: { image: 'ghcr.io/me/n:1.0.0', schedule: '0 0 30 2 *' } } }, /cronJobs\.nightly\.schedule: got "0 0 30 2 \*", expected .*fire/],
  ['cron day of week 7', 'proc', { ...proc, cronJobs: { weekly: { image: 'ghcr.io/me/n:1.0.0', schedule: '0 3 * * 7' } } }, /cronJobs\.weekly\.schedule: got "0 3 \* \* 7"/],
  ['cron with a zone in the schedule', 'proc', { ...proc, cronJobs: { nightly: { image: 'ghcr.io/me/n:1.0.0', schedule: 'TZ=Europe/Berlin 0 3 * * *' } } }, /cronJobs\.nightly\.schedule: got "TZ=Europe\/Berlin 0 3 \* \* \*"/],
  ['cron in an unknown time zone', 'proc', { ...proc, cronJobs: { nightly: { image: 'ghcr.io/me/n:1.0.0', schedule: '0 3 * * *', timeZone: 'Mars/Olympus' } } }, /cronJobs\.nightly\.timeZone: got "Mars\/Olympus", expected an IANA time zone/],
  ['cron job name too long', 'proc', { ...proc, cronJobs: { ['n'.repeat(50)]: { image: 'ghcr.io/me/n:1.0.0', schedule: '@daily' } } }, /cronJobs\.n{50}: got "proc-n{50}" as its object name \(55 characters\), expected at most 52/],
  ['a job with a port', 'proc', { ...proc, jobs: { migrate: { image: 'ghcr.io/me/m:1.0.0', port: 8080 } } }, /jobs\.migrate\.port: got 8080, expected no port: a job runs to completion/],
  ['a job owning a volume', 'proc', { ...proc, jobs: { migrate: { image: 'ghcr.io/me/m:1.0.0', volumes: { data: { mountPath: '/data', size: '1Gi' } } } } }, /jobs\.migrate\.volumes\.data\.size: unknown field/],
  ['a cache no process reads', 'proc', { ...proc, cache: {} }, /cache: got a cache no process reads, expected `cacheEnv`/],
  ['cache variables without a cache', 'proc', { ...proc, cacheEnv: { REDIS_URL: 'url' } }, /cacheEnv: got cache variables for an app without a cache/],
  ['a cache key that does not exist', 'proc', { ...proc, cache: {}, cacheEnv: { REDIS_URL: 'uri' } }, /cacheEnv\.REDIS_URL: got "uri", expected one of url, host, port/],
  ['a database no process reads', 'proc', { ...proc, database: { size: '1Gi' } }, /database: got a database no process reads, expected `databaseEnv`/],
  ['database variables without a database', 'proc', { ...two, components: { ...two.components, api: { ...two.components.api, databaseEnv: { DATABASE_URL: 'uri' } } } }, /components\.api\.databaseEnv: got database variables for an app without a database/],
  ['a database key that does not exist', 'proc', { ...proc, database: { size: '1Gi' }, databaseEnv: { DB_PASS: 'pass' } }, /databaseEnv\.DB_PASS: got "pass", expected one of host, port, dbname, user, password, uri, jdbc-uri/],
  ['one variable from two places', 'proc', { ...proc, database: { size: '1Gi' }, databaseEnv: { DB_HOST: 'host' }, env: { DB_HOST: 'localhost' } }, /env\.DB_HOST: got a variable databaseEnv already sets, expected each name once/],
  ['a volume inside another', 'proc', { ...proc, volumes: { data: { mountPath: '/data', size: '1Gi' }, media: { mountPath: '/data/media', size: '1Gi' } } }, /volumes\.media\.mountPath: got "\/data\/media", expected a path that is not inside or around "\/data" \(volumes\.data\.mountPath\)/],
  ['scratch inside /tmp', 'proc', { ...proc, scratch: { '/tmp/cache': '64Mi' } }, /scratch\.\/tmp\/cache: got "\/tmp\/cache", expected a path that is not inside or around "\/tmp"/],
  ['a config file inside a volume', 'proc', { ...vol({}), files: { '/data/app.ini': 'x = 1' } }, /files\.\/data\/app\.ini: got "\/data\/app\.ini", expected a path that is not inside or around "\/data"/],
  ['a config file that holds a token', 'proc', { ...proc, files: { '/etc/app/config.yml': `github: ${githubToken}\n` } }, /files\.\/etc\/app\/config\.yml: got a value secretlint flags as a secret \(GITHUB_TOKEN\)/],
  ['both volume and volumes', 'proc', { ...vol({}), volumes: { media: { mountPath: '/media', size: '1Gi' } } }, /volume: got both volume and volumes/],
  ['a volume borrowed from nowhere', 'proc', { ...two, components: { ...two.components, api: { ...two.components.api, volumes: { media: { mountPath: '/media', from: 'web' } } } } }, /components\.api\.volumes\.media\.from: got "web", expected another component of this app that has a volume named media/],
  ['a worker with a health path', 'proc', { ...two, components: { ...two.components, bot: { image: 'ghcr.io/me/bot:1.0.0', healthPath: '/health' } } }, /components\.bot\.healthPath: got "\/health" for a worker/],
  ['an internal component without a port', 'proc', { ...two, components: { ...two.components, ml: { image: 'ghcr.io/me/ml:1.0.0', internal: true } } }, /components\.ml\.internal: got true for a component without a port/],
  ['a path on an internal component', 'proc', { ...two, components: { ...two.components, ml: { image: 'ghcr.io/me/ml:1.0.0', port: 3003, internal: true, path: '/ml' } } }, /components\.ml\.path: got "\/ml" for an internal component, expected no path/],
  ['hosts for workers only', 'proc', { hosts: ['proc'], components: { bot: { image: 'ghcr.io/me/bot:1.0.0' } } }, /hosts: got hosts for an app with no web component/],
  ['a capability beyond baseline', 'proc', { ...proc, insecure: { capabilities: ['SYS_ADMIN'], reason: 'it wants to mount things' } }, /insecure\.capabilities\.0: got "SYS_ADMIN", expected one of AUDIT_WRITE/],
  ['a chosen user of 0', 'proc', { ...proc, user: { uid: 0 } }, /user\.uid: got 0, expected a non-root id/],
  ['a chosen user beside runAsRoot', 'proc', { ...proc, user: { uid: 1000 }, insecure: { runAsRoot: true, reason: 'the image needs root at start' } }, /user: got a user beside insecure\.runAsRoot, expected one or the other/],
  ['a component named cache beside the cache', 'proc', { hosts: ['proc'], cache: {}, components: { web: { image: 'ghcr.io/me/w:1.0.0', port: 80, cacheEnv: { REDIS_URL: 'url' } }, cache: { image: 'ghcr.io/me/c:1.0.0' } } }, /components\.cache: got the name "cache", expected another: proc-cache is the app's cache/],
  ['a component named like the database\'s Service', 'proc', { hosts: ['proc'], database: { size: '1Gi' }, components: { web: { image: 'ghcr.io/me/w:1.0.0', port: 80, databaseEnv: { DATABASE_URL: 'uri' } }, 'db-rw': { image: 'ghcr.io/me/c:1.0.0', port: 5432, internal: true } } }, /components\.db-rw: got "proc-db-rw" as a Service name, expected a name CloudNativePG does not give the database's own Services \(proc-db-rw is its primary\)/],
  ['a job and a component of one name', 'proc', { hosts: ['proc'], components: { web: { image: 'ghcr.io/me/w:1.0.0', port: 80 } }, jobs: { web: { image: 'ghcr.io/me/w:1.0.0' } } }, /jobs\.web: got the name "web", which components\.web has/],
  ['a startup window of a day', 'proc', { ...proc, startupSeconds: 86400 }, /startupSeconds: got 86400, expected from 10 to 3600 seconds/],
  ['an empty command', 'proc', { ...proc, command: [] }, /command: got \[\], expected at least one word/],
  ['HTTP settings for an app without hosts', 'proc', { ...proc, hosts: [], http: { maxBodySize: '10Mi' } }, /http: got HTTP settings for an app without hosts/],
  ['a request timeout below Traefik\'s default', 'proc', { ...proc, http: { requestTimeoutSeconds: 30 } }, /http\.requestTimeoutSeconds: got 30, expected from 60 to 3600 seconds/],
  ['a body size in MB', 'proc', { ...proc, http: { maxBodySize: '10MB' } }, /http\.maxBodySize: got "10MB", expected a memory quantity/],
];

describe('bad process declarations: refused by synth naming the file and field, the output untouched', () => {
  test.each(cases)('%s', async (_, name, spec, message) => {
    const text = await synthFails(appFile(name, spec));
    expect(text).toMatch(new RegExp(`^apps/${name}\\.ts: invalid declaration\\n`));
    expect(text).toMatch(message);
    expect(text).not.toContain(githubToken);
  });
});
