import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkProject } from './helpers';
import { fixtureCluster } from './fixtures/cluster';
import { templateProject } from './fixtures/template-project';

/*
 * `npm run doctor`, run as users run it, in scratch copies of the project with the tests' own app
 * and config: the template's values (what a clean clone ships) must each be named, and a config
 * of someone's own must pass once dist/ is rendered from it.
 */

const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'doctor-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The placeholders the template ships (config/cluster.ts of a clean clone), written out here on purpose. */
const TEMPLATE = {
  domain: 'hobby-infra.dev',
  acmeEmail: 'ops@hobby-infra.dev',
  'loadBalancer.reservedIp': '74.220.24.10',
  'loadBalancer.firewallId': '5f0c3a8e-2d4b-4c7e-9a61-3b8f1d2e4c90',
  adminCidrs: '203.0.113.10/32',
  'backups.r2.accountId': '0123456789abcdef0123456789abcdef',
  'tailscale.tailnet': 'tail0a1b2c.ts.net',
};

const configText = (config: unknown) => `import { defineCluster } from '../lib/config';\n\nexport const cluster = defineCluster(${JSON.stringify(config, null, 2)});\n`;

const templateConfig = {
  ...fixtureCluster,
  domain: TEMPLATE.domain,
  acmeEmail: TEMPLATE.acmeEmail,
  loadBalancer: { reservedIp: TEMPLATE['loadBalancer.reservedIp'], firewallId: TEMPLATE['loadBalancer.firewallId'] },
  adminCidrs: [TEMPLATE.adminCidrs],
  tailscale: { ...fixtureCluster.tailscale, tailnet: TEMPLATE['tailscale.tailnet'] },
  backups: { ...fixtureCluster.backups, r2: { ...fixtureCluster.backups.r2, accountId: TEMPLATE['backups.r2.accountId'] } },
};
// Someone's own values: the fixture's domain and CIDR are documentation-only names, placeholders too.
const ownConfig = { ...fixtureCluster, domain: 'alice-lab.net', acmeEmail: 'alice@alice-lab.net', adminCidrs: ['81.2.69.142/32'], loadBalancer: { ...fixtureCluster.loadBalancer, firewallId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' } };

const APP = `import { defineApp } from '../lib/app-spec';\nexport default defineApp({ image: 'ghcr.io/someone/lab:1.0.0', port: 8080, hosts: ['lab'], secrets: true, database: { size: '1Gi' }, databaseEnv: { DATABASE_URL: 'uri' } });\n`;

// CDK8S_OUTDIR (set by a benchmark) would send synth's output elsewhere: the commands here write dist/.
const { CDK8S_OUTDIR: _outdir, ...withoutOutdir } = process.env;
const npm = (cwd: string, ...args: string[]) => spawnSync('npm', ['run', '-s', ...args], { cwd, encoding: 'utf8', env: withoutOutdir });

let template: string;
/** A scratch project with the tests' app, `config` and dist/ rendered from them. */
function scratch(config: unknown): string {
  const dir = mkdtempSync(join(work, 'repo-'));
  linkProject(template, dir);
  writeFileSync(join(dir, 'config', 'cluster.ts'), configText(config));
  expect(npm(dir, 'synth').status).toBe(0);
  return dir;
}

beforeAll(() => {
  template = templateProject(work, root, 'lab', APP);
}, 120_000);

describe('npm run doctor', () => {
  it('fails on the template, naming each placeholder with its field and value', () => {
    const dir = scratch(templateConfig);
    const run = npm(dir, 'doctor');
    expect(run.status).toBe(1);
    for (const [field, value] of Object.entries(TEMPLATE)) expect(run.stdout).toContain(`config/cluster.ts: ${field}: got ${JSON.stringify(value)}`);
    // Nothing but the placeholders: dist/ was rendered from this config.
    expect(run.stdout).toContain(`doctor: ${Object.keys(TEMPLATE).length} finding(s):`);
  }, 60_000);

  it('passes a config of its own once dist/ is rendered, and lists what to create', () => {
    const dir = scratch(ownConfig);
    const run = npm(dir, 'doctor');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^doctor: no placeholders; config, bootstrap and dist\/ agree\./);
    // The checklist follows the workflows and dist/: the app's folders and identity, the environments' secrets.
    expect(run.stdout).toContain('/apps/lab: (every key in the folder)');
    expect(run.stdout).toContain('/backups/lab: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
    expect(run.stdout).toMatch(/\[ \] lab: \/apps\/lab and \/backups\/lab/);
    expect(run.stdout).toMatch(/environment production:\n(\s+\[ \] .*\n)*\s+\[ \] INFISICAL_IDENTITIES/);
    expect(run.stdout).toMatch(/environment bootstrap:\n(\s+\[ \] .*\n)*\s+\[ \] CLOUDFLARE_API_TOKEN: .*DNS:Edit on alice-lab\.net/);
  }, 60_000);

  it('fails while dist/ or the bootstrap disagree with the config', () => {
    const dir = scratch(ownConfig);
    expect(npm(dir, 'bootstrap:synth').status).toBe(0);
    writeFileSync(join(dir, 'config', 'cluster.ts'), configText({ ...ownConfig, domain: 'elsewhere.example.net', backups: { ...ownConfig.backups, r2: { ...ownConfig.backups.r2, accountId: 'abcdefabcdefabcdefabcdefabcdef12' } } }));
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ reserved_ip: { value: '212.2.240.17' }, firewall_id: { value: ownConfig.loadBalancer.firewallId } }));
    const run = npm(dir, 'doctor', '--', '--findings-only', '--bootstrap-outputs', outputs);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/dist\/04-apps\/app-lab\.yaml: Ingress lab\/lab: host: got lab\.alice-lab\.net, expected a host under elsewhere\.example\.net/);
    expect(run.stdout).toMatch(/dist\/04-apps\/app-lab\.yaml: \S+ lab\/\S+: backup endpoint: got account fedcba9876543210fedcba9876543210, expected abcdefabcdefabcdefabcdefabcdef12/);
    expect(run.stdout).toMatch(/Certificate traefik\/\S+: host: got \S*alice-lab\.net/);
    expect(run.stdout).toMatch(/dist\/: \d+ file\(s\) differ .*run npm run synth/);
    expect(run.stdout).toContain('bootstrap/cdktf.out/stacks/hobby-bootstrap/cdk.tf.json: zone: got alice-lab.net, expected elsewhere.example.net');
    expect(run.stdout).toContain('state backend endpoint: got https://fedcba9876543210fedcba9876543210.r2.cloudflarestorage.com');
    expect(run.stdout).toContain(`config/cluster.ts: loadBalancer.reservedIp: got ${ownConfig.loadBalancer.reservedIp}, expected 212.2.240.17`);
    expect(run.stdout).not.toContain('To create once');
  }, 90_000);

  it('answers --help and refuses an unknown flag in one line', () => {
    const dir = mkdtempSync(join(work, 'repo-'));
    linkProject(template, dir);
    const help = npm(dir, 'doctor', '--', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run doctor/);
    const bad = npm(dir, 'doctor', '--', '--netwrk');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('doctor: --netwrk: got an unknown option, expected one of --bootstrap-outputs, --network, --findings-only (see --help)');
  }, 60_000);
});
