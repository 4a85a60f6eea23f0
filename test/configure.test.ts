import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject, readObject, setValues } from '../lib/configure/source';
import { linkProject, readTree } from './helpers';
import { fixtureCluster } from './fixtures/cluster';
import { templateProject } from './fixtures/template-project';

/*
 * `npm run configure`, run as a new user runs it, in scratch copies of the project whose config
 * carries the template's placeholders and whose apps/ holds the tests' one app: flags for a made-up
 * user, then synth, bootstrap:synth and doctor; bad values change nothing.
 */

const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'configure-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const placeholders = {
  ...fixtureCluster,
  domain: 'hobby-infra.dev',
  acmeEmail: 'ops@hobby-infra.dev',
  loadBalancer: { reservedIp: '74.220.24.10', firewallId: '5f0c3a8e-2d4b-4c7e-9a61-3b8f1d2e4c90' },
  adminCidrs: ['203.0.113.10/32'],
  tailscale: { ...fixtureCluster.tailscale, tailnet: 'tail0a1b2c.ts.net' },
  adminLogin: { github: { orgs: ['your-github-org'] } },
  backups: { ...fixtureCluster.backups, r2: { ...fixtureCluster.backups.r2, accountId: '0123456789abcdef0123456789abcdef' } },
};
// A comment that must survive every edit: configure changes values, never the file's prose.
const CONFIG = `import { defineCluster } from '../lib/config';\n\n// Kept by configure.\nexport const cluster = defineCluster(${JSON.stringify(placeholders, null, 2)});\n`;
const APP = `import { defineApp } from '../lib/app-spec';\nexport default defineApp({ image: 'ghcr.io/someone/lab:1.0.0', port: 8080, hosts: ['lab'], secrets: true, database: { size: '1Gi' }, databaseEnv: { DATABASE_URL: 'uri' } });\n`;

const ALICE = {
  domain: 'alice-lab.net',
  acmeEmail: 'alice@alice-lab.net',
  adminCidrs: ['81.2.69.142/32', '2a02:8070::/48'],
  accountId: '9a8b7c6d5e4f30211203f4e5d6c7b8a9',
  tailnet: 'tail7f3e9a.ts.net',
  project: 'alice-lab',
  stateBucket: 'alice-tfstate',
  reservedIp: '212.2.240.17',
  firewallId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
};
const aliceFlags = [
  '--domain', ALICE.domain, '--acme-email', ALICE.acmeEmail, '--admin-cidrs', ALICE.adminCidrs.join(','),
  '--cloudflare-account-id', ALICE.accountId, '--tailnet', ALICE.tailnet, '--infisical-project', ALICE.project,
  '--region', 'LON1', '--node-size', 'g4s.kube.small', '--max-nodes', '3', '--state-bucket', ALICE.stateBucket, '--name', 'alice',
  '--admin-orgs', 'alice-family',
];

const { CDK8S_OUTDIR: _outdir, ...env } = process.env;
const npm = (cwd: string, ...args: string[]) => spawnSync('npm', ['run', '-s', ...args], { cwd, encoding: 'utf8', env });

let template: string;
function scratch(): string {
  const dir = mkdtempSync(join(work, 'repo-'));
  linkProject(template, dir);
  return dir;
}
const snapshot = (dir: string) => ['config/cluster.ts', 'bootstrap/state.ts'].map((f) => readFileSync(join(dir, f), 'utf8'));

beforeAll(() => {
  template = templateProject(work, root, 'lab', APP);
  writeFileSync(join(template, 'config', 'cluster.ts'), CONFIG);
  expect(npm(template, 'synth').status).toBe(0);
}, 120_000);

describe('npm run configure', () => {
  it('configures a made-up user: doctor passes, synth and the bootstrap render the new values everywhere', () => {
    const dir = scratch();
    const configured = npm(dir, 'configure', '--', ...aliceFlags);
    expect(configured.stderr).toBe('');
    expect(configured.status).toBe(0);
    expect(configured.stdout).toContain('config/cluster.ts domain: hobby-infra.dev -> alice-lab.net');
    // The alert rules follow the config at once (they name the cluster), so nothing is left stale.
    expect(readFileSync(join(dir, 'docs/alerts/backups.rules.yaml'), 'utf8')).toContain('cluster="alice"');
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ reserved_ip: { value: ALICE.reservedIp, sensitive: false }, firewall_id: { value: ALICE.firewallId }, kubeconfig: { value: 'never read', sensitive: true } }));
    const fromBootstrap = npm(dir, 'configure', '--', '--from-bootstrap', outputs);
    expect(fromBootstrap.status).toBe(0);
    expect(fromBootstrap.stdout).not.toContain('never read');

    const [config, state] = snapshot(dir);
    expect(config).toContain('// Kept by configure.');
    expect(config).toContain(`"domain": '${ALICE.domain}'`);
    expect(config).toContain(`"adminCidrs": ['81.2.69.142/32', '2a02:8070::/48']`);
    expect(config).toContain(`"orgs": ['alice-family']`);
    expect(state).toContain(`bucket: '${ALICE.stateBucket}'`);
    // The account id has one home: the state backend reads the config's.
    expect(state).not.toMatch(/[0-9a-f]{32}/);

    expect(npm(dir, 'synth').status).toBe(0);
    const doctor = npm(dir, 'doctor', '--', '--findings-only', '--bootstrap-outputs', outputs);
    expect(doctor.stdout).toBe('doctor: no placeholders; config, bootstrap and dist/ agree.\n');
    expect(doctor.status).toBe(0);

    const objects = [...readTree(join(dir, 'dist')).values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()));
    const ingress = objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'lab');
    expect(objects.find((o) => o.kind === 'Middleware' && o.metadata.namespace === 'uptime-kuma').spec.forwardAuth.address).toMatch(/\?allowed_groups=alice-family$/);
    expect(ingress.spec.rules.map((r: any) => r.host)).toEqual([`lab.${ALICE.domain}`]);
    const certificates = objects.filter((o) => o.kind === 'Certificate').flatMap((o) => o.spec.dnsNames ?? []);
    expect(certificates).toEqual(expect.arrayContaining([ALICE.domain, `*.${ALICE.domain}`]));
    expect(certificates.every((name: string) => name.endsWith(ALICE.domain))).toBe(true);
    const text = JSON.stringify(objects);
    expect(text).toContain(`https://${ALICE.accountId}.r2.cloudflarestorage.com`);
    // The template's domain is gone (hobby-infra.dev/ label and annotation prefixes are the project's, not a host).
    expect(text).not.toMatch(/hobby-infra\.dev(?!\/)|0123456789abcdef0123456789abcdef|74\.220\.24\.10/);
    expect(text).toContain(ALICE.reservedIp);

    expect(npm(dir, 'bootstrap:synth').status).toBe(0);
    const stack = JSON.parse(readFileSync(join(dir, 'bootstrap/cdktf.out/stacks/hobby-bootstrap/cdk.tf.json'), 'utf8'));
    expect(Object.values<any>(stack.resource.cloudflare_dns_record).map((r) => r.name).sort()).toEqual([ALICE.domain, `auth.${ALICE.domain}`, `lab.${ALICE.domain}`, `status.${ALICE.domain}`].sort());
    expect(stack.data.cloudflare_zone.zone.filter.name).toBe(ALICE.domain);
    expect(stack.terraform.backend.s3).toMatchObject({ bucket: ALICE.stateBucket, endpoints: { s3: `https://${ALICE.accountId}.r2.cloudflarestorage.com` } });
    expect(stack.resource.cloudflare_r2_bucket.backups_lab.account_id).toBe(ALICE.accountId);
    const rules = stack.resource.civo_firewall.firewall.ingress_rule;
    expect(rules.find((r: any) => r.label === 'kubernetes-api').cidr).toEqual(ALICE.adminCidrs);

    // Safe to re-run: the same answers change nothing, byte for byte, and neither does synth.
    const before = [...snapshot(dir), ...readTree(join(dir, 'dist')).values()];
    const again = npm(dir, 'configure', '--', ...aliceFlags, '--from-bootstrap', outputs);
    expect(again.stdout).toBe('configure: nothing changed.\n');
    expect(npm(dir, 'synth').status).toBe(0);
    expect([...snapshot(dir), ...readTree(join(dir, 'dist')).values()]).toEqual(before);
  }, 120_000);

  it('signs the admins in by GitHub login, for a user with no organisation (`-` leaves the orgs out)', () => {
    const dir = scratch();
    const run = npm(dir, 'configure', '--', ...aliceFlags.slice(0, -2), '--admin-users', 'alice-gh', '--admin-orgs', '-');
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('config/cluster.ts adminLogin.github.orgs: your-github-org -> (unset)');
    expect(readObject(findObject('config/cluster.ts', snapshot(dir)[0]!, { call: 'defineCluster' })).adminLogin).toEqual({ github: { users: ['alice-gh'] } });
    expect(npm(dir, 'synth').status).toBe(0);
    const objects = [...readTree(join(dir, 'dist')).values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()));
    const own = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'oauth2-proxy-uptime-kuma');
    expect(own.spec.template.spec.containers[0].args).toContain('--github-user=alice-gh');
  }, 120_000);

  it.each([
    [['--domain', 'Alice.NET'], 'config/cluster.ts: domain: got "Alice.NET", expected a lowercase domain name such as example.com'],
    [['--admin-cidrs', '81.2.69.142/32,81.2.69.143'], 'config/cluster.ts: adminCidrs.1: got "81.2.69.143", expected a CIDR such as 203.0.113.7/32'],
    [['--cloudflare-account-id', 'my-account'], 'config/cluster.ts: backups.r2.accountId: got "my-account", expected a Cloudflare account id: 32 lowercase hex digits'],
    [['--max-nodes', 'lots'], 'config/cluster.ts: nodePool.maxNodes: got "lots", expected a whole number of nodes'],
    [['--state-bucket', 'Bad_Bucket'], 'bootstrap/state.ts: bucket: got "Bad_Bucket", expected an R2 bucket name'],
    [['--domain', 'alice-lab.net', '--reserved-ip', '10.0.0.1'], 'config/cluster.ts: loadBalancer.reservedIp: got "10.0.0.1", expected a public IPv4 address'],
  ])('refuses %j in one line and writes nothing', (flags, message) => {
    const dir = scratch();
    const before = snapshot(dir);
    const run = npm(dir, 'configure', '--', ...flags);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(snapshot(dir)).toEqual(before);
  }, 60_000);

  it('answers --help, and refuses unknown flags, bad bootstrap outputs and a silent terminal in one line', () => {
    const dir = scratch();
    const before = snapshot(dir);
    const help = npm(dir, 'configure', '--', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run configure/);
    expect(help.stdout).toContain('--cloudflare-account-id');
    const unknown = npm(dir, 'configure', '--', '--domian', 'x.net');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^configure: --domian: got an unknown option, expected one of --name, --domain, /);
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ reserved_ip: { value: ALICE.reservedIp } }));
    const partial = npm(dir, 'configure', '--', '--from-bootstrap', outputs);
    expect(partial.status).toBe(1);
    expect(partial.stderr.trim()).toBe(`configure: ${outputs}: firewall_id: got nothing, expected the bootstrap's output firewall_id (run terraform apply first)`);
    // No flags and no terminal (as in CI): nothing to ask on.
    const silent = spawnSync('npm', ['run', '-s', 'configure'], { cwd: dir, encoding: 'utf8', env, input: '' });
    expect(silent.status).toBe(2);
    expect(silent.stderr.split('\n')[0]).toBe('configure: (arguments): got no flags and no terminal to ask on, expected flags such as --domain (see --help)');
    expect(snapshot(dir)).toEqual(before);
  }, 60_000);
});

describe('config literal edits', () => {
  const text = `import { defineCluster } from '../lib/config';
export const cluster = defineCluster({
  // Both from the bootstrap.
  loadBalancer: { reservedIp: '74.220.24.10' },
  backups: {
    r2: { accountId: '0123456789abcdef0123456789abcdef', bucketPrefix: 'b' }, // kept
  },
});
`;
  it('replaces values and adds a missing key in place, keeping comments and layout', () => {
    const site = findObject('config/cluster.ts', text, { call: 'defineCluster' });
    const out = setValues(site, [
      { path: ['loadBalancer', 'firewallId'], value: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' },
      { path: ['backups', 'r2', 'accountId'], value: "it's" },
    ]);
    expect(out).toBe(text.replace("reservedIp: '74.220.24.10' }", "reservedIp: '74.220.24.10', firewallId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' }").replace("'0123456789abcdef0123456789abcdef'", "'it\\'s'"));
    expect(readObject(findObject('config/cluster.ts', out, { call: 'defineCluster' }))).toEqual({
      loadBalancer: { reservedIp: '74.220.24.10', firewallId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' },
      backups: { r2: { accountId: "it's", bucketPrefix: 'b' } },
    });
  });

  it('removes a key for undefined (a list flag of `-`), also where a new key joins the same object', () => {
    const login = `defineCluster({
  adminLogin: { github: { orgs: ['your-github-org'] } },
  hosts: {
    status: 'status',
    auth: 'auth', // last, with a comment
  },
});
`;
    const site = findObject('config/cluster.ts', login, { call: 'defineCluster' });
    const out = setValues(site, [
      { path: ['adminLogin', 'github', 'users'], value: ['octocat'] },
      { path: ['adminLogin', 'github', 'orgs'], value: undefined },
      { path: ['hosts', 'auth'], value: undefined },
      { path: ['hosts', 'missing'], value: undefined },
    ]);
    expect(out).toBe(`defineCluster({
  adminLogin: { github: { users: ['octocat'] } },
  hosts: {
    status: 'status',
  },
});
`);
    expect(readObject(findObject('config/cluster.ts', out, { call: 'defineCluster' }))).toEqual({ adminLogin: { github: { users: ['octocat'] } }, hosts: { status: 'status' } });
  });

  it.each([
    ['the comments above it and after its comma go with it; the next keeps its own', 'a: 1,\n  // about b\n  b: 2, // b\'s\n  // about c\n  c: 3,', 'b', 'a: 1,\n  // about c\n  c: 3,'],
    ["the last: the previous key keeps its comment, and its comma", 'a: 1, // about a\n  b: 2', 'b', 'a: 1, // about a'],
    ['the last, on one line: with the comma before it', "a: 1, b: 'x'", 'b', 'a: 1'],
    ['a comma inside a comment is no comma', 'a: 1 /* x, y */, b: 2,', 'a', 'b: 2,'],
    ['the last, without a comma: its comment goes with it', 'a: 1,\n  b: 2 // about b', 'b', 'a: 1'],
    ['a block a blank line sets apart is not its own', '// header\n\n  // about a\n  a: 1,\n  b: 2,', 'a', '// header\n\n  b: 2,'],
    ['CRLF lines go whole', 'a: 1,\r\n  b: 2,\r\n  c: 3,', 'b', 'a: 1,\r\n  c: 3,'],
  ])('removes a key: %s', (_name, inner, key, left) => {
    const site = findObject('config/cluster.ts', `defineCluster({\n  ${inner}\n});\n`, { call: 'defineCluster' });
    expect(setValues(site, [{ path: [key], value: undefined }])).toBe(`defineCluster({\n  ${left}\n});\n`);
  });
});
