import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fixtureApps as appSources } from './fixtures/apps';
import { fixtureCluster } from './fixtures/cluster';
import type { AppSource } from '../lib/app-spec';
import { defineCluster, type ClusterConfigInput } from '../lib/config';
import { UNUSUAL_APPS, unusualAppSources } from './fixtures/app-corpus';
import { scratchDist, synthFails as synthInto } from './fixtures/bad-input';
import { appFile, copyProject, linkProject, readTree, render, walkFiles } from './helpers';
import { SIGN_IN } from '../lib/platform-contracts';

/*
 * The bad-input corpus: every wrong app, config or command line is refused with one message naming
 * the file (or command) and the field, and leaves what it guards (dist/, apps/, imports/) byte-identical.
 */

const root = resolve(import.meta.dirname, '..');
const committedDist = readTree(join(root, 'dist'));
const work = mkdtempSync(join(tmpdir(), 'hobby-bad-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const outdir = scratchDist();
const synthFails = (load: Parameters<typeof synthInto>[1]) => synthInto(outdir, load);

const demo = { image: 'ghcr.io/me/demo:1.0.0', port: 8080, hosts: ['demo'] };
const two = { hosts: ['demo'], components: { web: { image: 'ghcr.io/me/web:1.0.0', port: 8080 }, api: { image: 'ghcr.io/me/api:1.0.0', port: 8081, path: '/api' } } };
const res = (r: object) => ({ ...demo, resources: r });
const vol = (v: object) => ({ ...demo, volume: { mountPath: '/data', size: '1Gi', ...v } });
// Assembled at run time so this file stays clean for secretlint.
const githubToken = ['ghp', 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'].join('_');
const withCredentials = (scheme: string, password: string, host: string) => `${scheme}://${['admin', password].join(':')}@${host}`;

// [case, app file name, default export (or a loader error), the field and value the message must name]
const appCases: [string, string, unknown, RegExp][] = [
  ['CPU in memory units', 'demo', res({ requests: { cpu: '1Gi' } }), /resources\.requests\.cpu: got "1Gi", expected a CPU quantity/],
  ['private without hosts', 'demo', { image: 'ghcr.io/me/demo:1.0.0', port: 8080, private: true }, /private: got true for an app without hosts, expected hosts to keep private/],
  ['private not a boolean', 'demo', { ...demo, private: 'yes' }, /private: got "yes", expected true or false/],
  ['zero CPU', 'demo', res({ limits: { cpu: '0' } }), /resources\.limits\.cpu: got "0", expected a CPU quantity above zero/],
  ['CPU below a millicore', 'demo', res({ requests: { cpu: '0.0005' } }), /resources\.requests\.cpu: got "0\.0005", expected a CPU quantity/],
  ['negative CPU', 'demo', res({ requests: { cpu: '-1' } }), /resources\.requests\.cpu: got "-1"/],
  ['memory in GB', 'demo', res({ limits: { memory: '1GB' } }), /resources\.limits\.memory: got "1GB", expected a memory quantity/],
  ['memory not whole MiB', 'demo', res({ requests: { memory: '100Ki' } }), /resources\.requests\.memory: got "100Ki", expected a whole number of MiB/],
  ['zero memory', 'demo', res({ limits: { memory: '0Mi' } }), /resources\.limits\.memory: got "0Mi", expected a quantity above zero/],
  ['memory without a unit', 'demo', res({ limits: { memory: '128' } }), /resources\.limits\.memory: got "128", expected a memory quantity/],
  ['request above the default CPU limit', 'demo', res({ requests: { cpu: '1' } }), /resources\.requests\.cpu: got "1", expected at most the default cpu limit 500m/],
  ['request above the default memory limit', 'demo', res({ requests: { memory: '512Mi' } }), /resources\.requests\.memory: got "512Mi", expected at most the default memory limit 256Mi/],
  ['limit below the default request', 'demo', res({ limits: { memory: '32Mi' } }), /resources\.limits\.memory: got "32Mi", expected at least the default memory request 64Mi/],
  ['request above its limit', 'demo', res({ requests: { cpu: '2' }, limits: { cpu: '1' } }), /resources\.requests\.cpu: got "2", expected at most resources\.limits\.cpu \(1\)/],
  ['component request above its limit', 'demo', { ...two, components: { ...two.components, api: { ...two.components.api, resources: { requests: { memory: '1Gi' } } } } }, /components\.api\.resources\.requests\.memory: got "1Gi"/],
  ['volume of size 0', 'demo', vol({ size: '0' }), /volume\.size: got "0", expected a memory quantity/],
  ['volume of 0Gi', 'demo', vol({ size: '0Gi' }), /volume\.size: got "0Gi", expected a quantity above zero/],
  ['volume in GB', 'demo', vol({ size: '1G' }), /volume\.size: got "1G"/],
  ['volume mounted over /tmp', 'demo', vol({ mountPath: '/tmp' }), /volume\.mountPath: got "\/tmp", expected a path that is not the same as "\/tmp" \(the \/tmp every process gets\)/],
  ['mount path with a trailing slash', 'demo', vol({ mountPath: '/data/' }), /volume\.mountPath: got "\/data\/", expected an absolute path/],
  ['mount path with ..', 'demo', vol({ mountPath: '/data/../etc' }), /volume\.mountPath: got "\/data\/\.\.\/etc"/],
  ['relative mount path', 'demo', vol({ mountPath: 'data' }), /volume\.mountPath: got "data"/],
  ['volume with autoscaling', 'demo', vol({ ...{} }) && { ...vol({}), autoscaling: { minReplicas: 1, maxReplicas: 3 } }, /volume: got a volume with autoscaling, expected one replica/],
  ['path with a trailing slash', 'demo', { ...demo, path: '/api/' }, /path: got "\/api\/", expected a path prefix/],
  ['path with //', 'demo', { ...demo, path: '/a//b' }, /path: got "\/a\/\/b"/],
  ['path with /./', 'demo', { ...demo, path: '/./x' }, /path: got "\/\.\/x"/],
  ['relative path', 'demo', { ...demo, path: 'api' }, /path: got "api"/],
  ['two components on one path', 'demo', { ...two, components: { ...two.components, api: { ...two.components.api, path: '/' } } }, /components: demo-web and demo-api both route \//],
  ['replicas beside components', 'demo', { ...two, replicas: 3 }, /replicas: got 3, expected no `replicas` beside `components`/],
  ['env beside components', 'demo', { ...two, env: { MODE: 'x' } }, /env: got .*, expected no `env` beside `components`/],
  ['secrets beside components', 'demo', { ...two, secrets: true }, /secrets: got true, expected no `secrets` beside `components`/],
  ['joined name over 63 characters', 'demo', { hosts: ['demo'], components: { ['c'.repeat(60)]: { image: 'ghcr.io/me/c:1.0.0', port: 80 } } }, /components\.c{60}: got "demo-c{60}" as its object name \(65 characters\), expected at most 63/],
  ['app name starting with a digit', '1demo', demo, /file name: got "1demo", expected a DNS-1035 label/],
  ['app name over 40 characters', 'a'.repeat(41), demo, /file name: got "a{41}", expected a DNS-1035 label of at most 40/],
  ['app name with an underscore', 'my_app', demo, /file name: got "my_app"/],
  ['platform namespace as app name', 'cert-manager', demo, /file name: got "cert-manager", expected a name not used by a platform namespace/],
  ['component name not a DNS label', 'demo', { hosts: ['demo'], components: { Web: { image: 'ghcr.io/me/w:1.0.0', port: 80 } } }, /components\.Web: got the name "Web", expected a component name that is a DNS label/],
  ['host two levels below the domain', 'demo', { ...demo, hosts: ['a.b.hobby-fixture.dev'] }, /hosts\.0: got "a\.b\.hobby-fixture\.dev", expected a host at most one level below hobby-fixture\.dev/],
  ['host with two labels', 'demo', { ...demo, hosts: ['a.b'] }, /hosts\.0: got "a\.b", expected a host under hobby-fixture\.dev/],
  ['host outside the domain', 'demo', { ...demo, hosts: ['blog.example.org'] }, /hosts\.0: got "blog\.example\.org"/],
  ['one host twice', 'demo', { ...demo, hosts: ['x', 'x.hobby-fixture.dev'] }, /hosts: got x\.hobby-fixture\.dev twice/],
  ['a platform host', 'demo', { ...demo, hosts: ['status'] }, /hosts: got status\.hobby-fixture\.dev, expected a host no other app claims \(the platform already does\)/],
  ['password in plain env', 'demo', { ...demo, env: { DB_PASS: 'hunter2' } }, /env\.DB_PASS: got the name "DB_PASS", expected a non-secret name/],
  ['secret key in plain env', 'demo', { ...demo, env: { STRIPE_SECRET_KEY: 'x' } }, /env\.STRIPE_SECRET_KEY: got the name/],
  ['token value under a harmless name', 'demo', { ...demo, env: { GH: githubToken } }, /env\.GH: got a value secretlint flags as a secret \(GITHUB_TOKEN\)/],
  ['credentials in a URL', 'demo', { ...demo, env: { MAIN_URL: withCredentials('postgres', 's3cr3t-pw', 'db.example.com/app') } }, /env\.MAIN_URL: got a value secretlint flags as a secret/],
  ['credentials in a component env', 'demo', { ...two, components: { ...two.components, api: { ...two.components.api, env: { UPSTREAM: withCredentials('https', 'hunter22', 'example.com/') } } } }, /components\.api\.env\.UPSTREAM: got a value secretlint flags/],
  ['latest tag', 'demo', { ...demo, image: 'ghcr.io/me/demo:latest' }, /image: got "ghcr\.io\/me\/demo:latest", expected a pinned tag or digest/],
  ['untagged image', 'demo', { ...demo, image: 'ghcr.io/me/demo' }, /image: got "ghcr\.io\/me\/demo", expected an image with a pinned tag/],
  ['image with upper case', 'demo', { ...demo, image: 'ghcr.io/Me/demo:1' }, /image: got "ghcr\.io\/Me\/demo:1"/],
  ['port as a string', 'demo', { ...demo, port: '8080' }, /port: got "8080", expected a whole port number/],
  ['port out of range', 'demo', { ...demo, port: 70000 }, /port: got 70000, expected a port from 1 to 65535/],
  ['egress port out of range', 'demo', { ...demo, egressPorts: [70000] }, /egressPorts\.0: got 70000/],
  ['fractional replicas', 'demo', { ...demo, replicas: 1.5 }, /replicas: got 1\.5/],
  ['replicas outside autoscaling', 'demo', { ...demo, replicas: 9, autoscaling: { minReplicas: 1, maxReplicas: 3 } }, /replicas: got 9, expected a value within autoscaling/],
  ['autoscaling min above max', 'demo', { ...demo, autoscaling: { minReplicas: 5, maxReplicas: 2 } }, /autoscaling\.maxReplicas: got 2/],
  ['env value not a string', 'demo', { ...demo, env: { COUNT: 3 } }, /env\.COUNT: got 3, expected/],
  ['health path without a slash', 'demo', { ...demo, healthPath: 'healthz' }, /healthPath: got "healthz"/],
  ['insecure without a reason', 'demo', { ...demo, insecure: { runAsRoot: true } }, /insecure\.reason: got nothing/],
  ['unknown field', 'demo', { ...demo, replica: 2 }, /replica: unknown field/],
  ['database without a size', 'demo', { ...demo, database: {} }, /database\.size: got nothing, expected a memory quantity/],
  ['database size in GB', 'demo', { ...demo, database: { size: '5GB' } }, /database\.size: got "5GB", expected a memory quantity/],
  ['database of zero size', 'demo', { ...demo, database: { size: '0Gi' } }, /database\.size: got "0Gi", expected a quantity above zero/],
  ['database with 0 instances', 'demo', { ...demo, database: { size: '1Gi', instances: 0 } }, /database\.instances: got 0, expected from 1 to 3 instances/],
  ['database with 5 instances', 'demo', { ...demo, database: { size: '1Gi', instances: 5 } }, /database\.instances: got 5, expected from 1 to 3 instances/],
  ['database request above its limit', 'demo', { ...demo, database: { size: '1Gi', resources: { requests: { memory: '2Gi' } } } }, /database\.resources\.requests\.memory: got "2Gi", expected a request at most the limit/],
  ['database CPU in memory units', 'demo', { ...demo, database: { size: '1Gi', resources: { limits: { cpu: '1Gi' } } } }, /database\.resources\.limits\.cpu: got "1Gi", expected a CPU quantity/],
  ['database misspelt field', 'demo', { ...demo, database: { size: '1Gi', replicas: 2 } }, /database\.replicas: unknown field/],
  ['database beside components is fine, inside one is not', 'demo', { ...two, components: { ...two.components, api: { ...two.components.api, database: { size: '1Gi' } } } }, /components\.api\.database: unknown field/],
  ['restore time without a zone', 'demo', { ...demo, database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-08-01 10:00:00' } } }, /database\.restore\.targetTime: got "2026-08-01 10:00:00", expected an RFC 3339 time with a zone/],
  ['restore time that is no date', 'demo', { ...demo, database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-13-45T10:00:00Z' } } }, /database\.restore\.targetTime: got "2026-13-45T10:00:00Z", expected a real date and time/],
  ['restore from another app', 'demo', { ...demo, database: { size: '1Gi', restore: { from: 'shop-db' } } }, /database\.restore\.from: got "shop-db", expected "backup" or the name of one of this app's database Clusters \(demo-db/],
  ['restore into its own source', 'demo', { ...demo, database: { size: '1Gi', restore: { from: 'demo-db-rlatest' } } }, /database\.restore\.targetTime: got "\(none\)", expected a time that gives the restored Cluster a name other than its source demo-db-rlatest/],
  ['restore of a long app name', 'a'.repeat(38), { ...demo, hosts: [], database: { size: '1Gi', restore: { from: 'backup', targetTime: '2026-08-01T10:00:00Z' } } }, /database: got "a{38}-db-r2608011000" as the Cluster's name \(53 characters\), expected at most 46/],
  ['restore without a source', 'demo', { ...demo, database: { size: '1Gi', restore: { targetTime: '2026-08-01T10:00:00Z' } } }, /database\.restore\.from: got nothing/],
  ['volume backup opt-out without a reason', 'demo', vol({ noBackup: {} }), /volume\.noBackup\.reason: got nothing/],
  ['volume restore from elsewhere', 'demo', { ...vol({ restore: { from: 's3://x' } }), replicas: 0 }, /volume\.restore\.from: got "s3:\/\/x", expected the string "backup"/],
  ['volume restore while the app runs', 'demo', vol({ restore: { from: 'backup' } }), /replicas: got 1 while a volume restore is set, expected 0/],
  ['volume restore with a bad time', 'demo', { ...vol({ restore: { from: 'backup', asOf: 'yesterday' } }), replicas: 0 }, /volume\.restore\.asOf: got "yesterday", expected an RFC 3339 time/],
  ['volume restore without backups', 'demo', { ...vol({ restore: { from: 'backup' }, noBackup: { reason: 'a cache, nothing to keep' } }), replicas: 0 }, /volume\.restore: got a restore of a volume with noBackup/],
  ['backup operator namespace as app name', 'cnpg-system', demo, /file name: got "cnpg-system", expected a name not used by a platform namespace/],
  ['default export is a function', 'demo', () => demo, /default export: got a function, expected `export default defineApp/],
  ['default export is an array', 'demo', [demo], /default export: got an array/],
  ['no default export', 'demo', undefined, /default export: got nothing/],
  ['a file that throws while loading', 'demo', new Error('DATABASE is not set'), /\(loading the file\): got an error thrown while it loaded \(Error: DATABASE is not set\)/],
];

describe('bad app declarations: refused by synth naming the file and field, dist/ untouched', () => {
  test.each(appCases)('%s', async (_, name, spec, message) => {
    const source: AppSource = spec instanceof Error ? { file: `apps/${name}.ts`, exports: {}, loadError: spec } : appFile(name, spec);
    const text = await synthFails(() => ({ cluster: fixtureCluster, apps: [...appSources, source] }));
    expect(text).toMatch(new RegExp(`^apps/${name}\\.ts: invalid declaration\\n`));
    expect(text).toMatch(message);
    expect(text).not.toContain(githubToken);
    expect(text).not.toMatch(/hunter2|s3cr3t/);
  });
});

const configCases: [string, (c: any) => void, RegExp][] = [
  ['private reserved IP', (c) => (c.loadBalancer = { ...c.loadBalancer, reservedIp: '10.0.0.5' }), /loadBalancer\.reservedIp: got "10\.0\.0\.5", expected a public IPv4 address/],
  ['loopback reserved IP', (c) => (c.loadBalancer = { ...c.loadBalancer, reservedIp: '127.0.0.1' }), /loadBalancer\.reservedIp: got "127\.0\.0\.1", expected a public IPv4 address/],
  ['admin CIDRs covering the internet in halves', (c) => (c.adminCidrs = ['0.0.0.0/1', '128.0.0.0/1']), /adminCidrs: got \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\], expected CIDRs that together cover at most 65536 IPv4 addresses/],
  ['admin CIDRs wider than a /16 together', (c) => (c.adminCidrs = ['198.51.0.0/17', '198.52.0.0/17', '198.53.0.0/24']), /adminCidrs: got .*these cover 65792/],
  ['admin IPv6 range wider than a /32', (c) => (c.adminCidrs = ['2000::/3']), /adminCidrs: got \["2000::\/3"\], expected CIDRs that together cover at most .* IPv6 addresses/],
  ['admin CIDR with host bits', (c) => (c.adminCidrs = ['203.0.113.10/24']), /adminCidrs\.0: got "203\.0\.113\.10\/24", expected a CIDR with no host bits set/],
  ['admin CIDR /0', (c) => (c.adminCidrs = ['::/0']), /adminCidrs\.0: got "::\/0", expected a CIDR .*never be open to the world/],
  ['unknown region', (c) => (c.region = 'AMS1'), /region: got "AMS1", expected one of/],
  ['domain with upper case', (c) => (c.domain = 'Example.COM'), /domain: got "Example\.COM"/],
  ['node pool min above max', (c) => (c.nodePool = { ...c.nodePool, minNodes: 4, maxNodes: 2 }), /nodePool\.maxNodes: got 2/],
  ['status host not a label', (c) => (c.hosts = { status: 'status.page' }), /hosts\.status: got "status\.page"/],
  ['misspelt field', (c) => (c.adminCIDRs = ['203.0.113.10/32']), /adminCIDRs: unknown field/],
  ['backup bucket prefix with upper case', (c) => (c.backups = { ...c.backups, r2: { ...c.backups.r2, bucketPrefix: 'Backups' } }), /backups\.r2\.bucketPrefix: got "Backups", expected lowercase letters, digits and dashes/],
  ['R2 account id too short', (c) => (c.backups = { ...c.backups, r2: { ...c.backups.r2, accountId: 'abc' } }), /backups\.r2\.accountId: got "abc", expected a Cloudflare account id/],
  ['database schedule with 5 fields', (c) => (c.backups = { ...c.backups, databases: { ...c.backups.databases, schedule: '0 3 * * *' } }), /backups\.databases\.schedule: got "0 3 \* \* \*", expected a 6-field cron schedule, seconds first/],
  ['volume schedule as a macro', (c) => (c.backups = { ...c.backups, volumes: { ...c.backups.volumes, schedule: '@daily' } }), /backups\.volumes\.schedule: got "@daily", expected a 5-field cron schedule/],
  ['retention without a unit', (c) => (c.backups = { ...c.backups, databases: { ...c.backups.databases, retention: '30' } }), /backups\.databases\.retention: got "30", expected a retention such as 30d/],
  ['negative snapshots kept', (c) => (c.backups = { ...c.backups, volumes: { ...c.backups.volumes, keep: { daily: -1, weekly: 4, monthly: 6 } } }), /backups\.volumes\.keep\.daily: got -1, expected 0 or more daily snapshots/],
  ['alert after 0 hours', (c) => (c.backups = { ...c.backups, alertAfterHours: 0 }), /backups\.alertAfterHours: got 0, expected at least 1 hour/],
  ['no backups section', (c) => delete c.backups, /backups: got nothing/],
];

describe('bad cluster configs: refused naming config/cluster.ts and the field, dist/ untouched', () => {
  test.each(configCases)('%s', async (_, mutate, message) => {
    const input = structuredClone(fixtureCluster) as unknown as ClusterConfigInput;
    mutate(input);
    const text = await synthFails(() => ({ cluster: defineCluster(input), apps: appSources }));
    expect(text).toMatch(/^config\/cluster\.ts: invalid declaration\n/);
    expect(text).toMatch(message);
  });
});

describe('valid but unusual apps keep working', () => {
  test('the whole corpus renders', () => {
    const { objects } = render({ apps: unusualAppSources });
    const components = Object.values(UNUSUAL_APPS).reduce((n, spec: any) => n + (spec.components ? Object.keys(spec.components).length : 1), 0);
    // The apps' Deployments (the platform's own, oauth2-proxy, runs in its namespace).
    expect(objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace !== SIGN_IN.namespace)).toHaveLength(components);
    expect((objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.namespace === 'small-volume') as any).spec.resources.requests.storage).toBe('512Mi');
    expect((objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.namespace === 'fraction-volume') as any).spec.resources.requests.storage).toBe('1.5Gi');
    expect((objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'apex') as any).spec.rules[0].host).toBe(fixtureCluster.domain);
    expect((objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'one-at-a-path') as any).spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/api']);
  });
});

/*
 * Command lines, run as users run them in a scratch copy of the repository. Each case asserts one
 * message naming the command (or file) and the flag, no stack trace, and the guarded folders unchanged.
 */
let template: string | undefined;
function scratchRepo(): string {
  if (!template) copyProject(root, (template = mkdtempSync(join(work, 'template-'))), { dist: true });
  const dir = mkdtempSync(join(work, 'repo-'));
  linkProject(template, dir);
  return dir;
}

function run(cwd: string, command: string[]): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env: { ...process.env, CDK8S_OUTDIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const script = (name: string, ...args: string[]) => [process.execPath, 'scripts/run.mjs', `scripts/${name}.ts`, ...args];
const treeOrNothing = (dir: string) => (existsSync(dir) ? readTree(dir) : undefined);
// imports/ (7 MB) is compared by each file's size, modification time and inode: a write to a file
// changes its mtime, a replaced file has a new inode. (Not its change time: the other cases' hard links
// to the same template files change that.) dist/ and apps/ are compared by content.
const statTree = (dir: string) => new Map(walkFiles(dir).map((path) => [path, ((s) => `${s.size}:${s.mtimeMs}:${s.ino}`)(statSync(join(dir, path)))]));
const guarded = (dir: string) => ({ dist: readTree(join(dir, 'dist')), apps: treeOrNothing(join(dir, 'apps')), imports: statTree(join(dir, 'imports')) });

// [case, setup of the scratch repo, command, message naming the command or file and the field]
const cliCases: [string, (dir: string) => void, string[], RegExp][] = [
  ['new-app without --image', () => {}, script('new-app', 'blog'), /^new-app: --image: got nothing, expected the image to deploy/],
  ['new-app --port abc', () => {}, script('new-app', 'blog', '--image', 'ghcr.io/me/blog:1.0.0', '--port', 'abc'), /^new-app: --port: got "abc", expected a whole port number/],
  ['new-app name starting with a digit', () => {}, script('new-app', '1blog', '--image', 'ghcr.io/me/blog:1.0.0'), /^new-app: <name>: got "1blog", expected a DNS-1035 label/],
  ['new-app unknown flag', () => {}, script('new-app', 'blog', '--imgae', 'x'), /^new-app: --imgae: got an unknown option, expected one of --image, --host, --port/],
  ['new-app an existing app', () => {}, script('new-app', 'fx-site', '--image', 'ghcr.io/me/site:1.0.0'), /^new-app: <name>: got fx-site, expected a name not taken/],
  ['new-app a host two levels down', () => {}, script('new-app', 'blog', '--image', 'ghcr.io/me/blog:1.0.0', '--host', 'a.b'), /^new-app: --host: got "a\.b"/],
  ['set-image with latest', () => {}, script('set-image', 'fx-shop', 'ghcr.io/fixture/shop-web:latest'), /^set-image: <image>: got "ghcr\.io\/fixture\/shop-web:latest", expected a pinned tag/],
  ['set-image of a missing app', () => {}, script('set-image', 'nope', 'ghcr.io/me/nope:1.0.0'), /^set-image: <app>: got nope, expected an existing app/],
  ['set-image without an image', () => {}, script('set-image', 'fx-shop'), /^set-image: \(arguments\): got \["fx-shop"\]/],
  ['synth unknown flag', () => {}, script('synth', '--out', 'x'), /^synth: --out: got an unknown option, expected one of --outdir/],
  ['synth with a syntax error in an app', (d) => writeFileSync(join(d, 'apps/blog.ts'), "export default { image: 'ghcr.io/me/blog:1.0.0', port: 80\n"), script('synth'), /^synth: apps\/blog\.ts:2:0?1?: Expected "}" but found end of file/],
  ['synth with a stray file in apps/', (d) => writeFileSync(join(d, 'apps/blog.js'), 'export default {};\n'), script('synth'), /^synth: apps\/blog\.js: got a file that is not an app, expected only apps\/<name>\.ts/],
  ['synth with a config file that is not there', (d) => writeFileSync(join(d, 'apps/blog.ts'), "export default { image: 'ghcr.io/me/blog:1.0.0', port: 8080, files: { '/etc/nginx/conf.d/default.conf': { file: 'nginx.conf' } } };\n"), script('synth'), /apps\/blog\.ts: invalid declaration\n\s+- files\.\/etc\/nginx\/conf\.d\/default\.conf: got \{ file: "nginx\.conf" \}, expected a file apps\/blog\/nginx\.conf \(there is none\)/],
  ['synth with a folder of files but no app file', (d) => mkdirSync(join(d, 'apps/blog')), script('synth'), /^synth: apps\/blog\/: got a file that is not an app, expected only apps\/<name>\.ts and its folder of files/],
  ['synth without apps/', (d) => rmSync(join(d, 'apps'), { recursive: true }), script('synth'), /^synth: apps\/: got no such folder/],
  ['import unknown flag', () => {}, script('import', '--frm', 'imports/crds'), /^import: --frm: got an unknown option, expected one of --from, --values-from/],
  ['apply unknown flag', () => {}, script('apply', '--plna'), /^apply: --plna: got an unknown option, expected one of --plan/],
  ['apply --max-prune abc', () => {}, script('apply', '--plan', '--max-prune', 'abc'), /^apply: --max-prune: got "abc", expected a whole number of objects/],
  ['diff unknown flag', () => {}, script('diff', '--bsae', 'main'), /^diff: --bsae: got an unknown option, expected one of --base/],
  ['diff --format html', () => {}, script('diff', '--format', 'html'), /^diff: --format: got "html", expected markdown or text/],
  ['report unknown flag', () => {}, script('report', '--jsn'), /^report: --jsn: got an unknown option, expected one of --dir, --base, --json/],
  ['check-charts without --charts', () => {}, script('check-charts'), /^check-charts: --charts: got nothing, expected the folder with the pulled charts/],
  ['bench --sizes abc', () => {}, script('bench', '--sizes', 'abc'), /^bench: --sizes: got "abc", expected whole numbers/],
  ['tailscale unknown command', () => {}, script('tailscale', 'kubconfig'), /^tailscale: \(command\): got "kubconfig", expected kubeconfig, policy or ci-tag/],
  ['import from a missing folder', () => {}, script('import', '--from', 'nowhere'), /^import: --from: got "nowhere", expected a folder/],
  ['cdk8s synth with a broken app', (d) => writeFileSync(join(d, 'apps/blog.ts'), "export default { image: 'ghcr.io/me/blog:latest', port: 80 };\n"), [join(root, 'node_modules/.bin/cdk8s'), 'synth', '--no-check-upgrade'], /apps\/blog\.ts: invalid declaration\n\s+- image: got "ghcr\.io\/me\/blog:latest"/],
];

describe('bad command lines: one message naming the command and flag, nothing guarded changed', () => {
  test.concurrent.each(cliCases)('%s', async (_, setup, command, message) => {
    const dir = scratchRepo();
    setup(dir);
    const before = guarded(dir);
    const result = await run(dir, command);
    expect(result.status, result.stderr).not.toBe(0);
    expect(result.stderr).toMatch(message);
    // The cdk8s CLI adds a trace of its own after our message when the app fails; ours print none.
    if (command[0] === process.execPath) expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(guarded(dir)).toEqual(before);
    expect(readTree(join(dir, 'dist'))).toEqual(committedDist);
  });
});

describe('set-image', () => {
  test("bumps a web component's image, whose `image:` is not first on its line", async () => {
    const dir = scratchRepo();
    const result = await run(dir, script('set-image', 'fx-shop', 'ghcr.io/fixture/shop-web:0.9.1'));
    expect(result.stderr).toBe('');
    const before = readFileSync(join(root, 'test/fixtures/apps/fx-shop.ts'), 'utf8').split('\n');
    const changed = readFileSync(join(dir, 'apps/fx-shop.ts'), 'utf8').split('\n').filter((line, i) => line !== before[i]);
    expect(changed).toEqual(["    web: { image: 'ghcr.io/fixture/shop-web:0.9.1', port: 8080, path: '/', healthPath: '/' },"]);
  });
});

test('the corpus is at least 60 bad inputs across apps, config and the command line', () => {
  expect(appCases.length + configCases.length + cliCases.length).toBeGreaterThanOrEqual(60);
});
