import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ALERTS_FILE, backupAlertRules, backupAlertsYaml } from '../lib/alerts';
import { renderPlatform } from '../platform';
import { appSources } from 'virtual:apps';
import { afterAll, describe, expect, test } from 'vitest';
import { cluster } from '../config/cluster';
import { copyProject, readTree, render } from './helpers';

const root = resolve(import.meta.dirname, '..');
const STALE = 'dist/ is stale: run npm run synth';

/** The files that differ between two renders (added, removed or changed), by path. */
function staleFiles(committed: ReadonlyMap<string, string>, fresh: ReadonlyMap<string, string>): string[] {
  const paths = [...new Set([...committed.keys(), ...fresh.keys()])].sort();
  return paths.filter((path) => committed.get(path) !== fresh.get(path));
}

/*
 * The only tests that read the user's apps/ and config/cluster.ts: the committed dist/ must be what
 * they render. After any edit there, they fail with one message, until `npm run synth` is run.
 */
describe('committed dist/ matches apps/ and config/cluster.ts', () => {
  test('equals a fresh synth, file for file and byte for byte', () => {
    const fresh = renderPlatform({ cluster, appSources }).files;
    expect(staleFiles(readTree(join(root, 'dist')), fresh), STALE).toEqual([]);
  });

  test('equals what `npm run synth` writes in a copy of the project', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hobby-synth-user-'));
    try {
      copyProject(root, scratch, { user: true });
      const result = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/synth.ts'], { cwd: scratch, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(staleFiles(readTree(join(root, 'dist')), readTree(join(scratch, 'dist'))), STALE).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

test(`the committed ${ALERTS_FILE} is what \`npm run alerts\` writes from config/cluster.ts`, () => {
  const committed = readFileSync(join(root, ALERTS_FILE), 'utf8');
  expect(committed === backupAlertsYaml(cluster), `${ALERTS_FILE} is stale: run npm run alerts`).toBe(true);
  expect(parse(committed)).toEqual(backupAlertRules(cluster));
});

describe('a render (the fixture cluster and apps)', () => {

  test('is laid out in apply phases, namespaces first and custom resources after the charts that define them', () => {
    const { objects } = render();
    for (const o of objects) {
      const phase = o.file.split('/')[0];
      if (o.kind === 'Namespace') expect(phase).toBe('01-prerequisites');
      if (o.kind === 'HelmChart') expect(phase).toBe('02-helm-charts');
      if (['ClusterIssuer', 'Certificate', 'SecretStore', 'ExternalSecret'].includes(o.kind)) expect(phase).toMatch(/^0[34]-/);
    }
  });

  test('names are readable: no hash suffixes in any name or label', () => {
    const { objects } = render();
    for (const o of objects) {
      expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
      expect(JSON.stringify(o)).not.toContain('cdk8s.io/metadata.addr');
    }
  });
});

describe('npm run synth in a scratch copy of the repo (the fixture cluster and apps)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hobby-synth-'));
  copyProject(root, scratch, { dist: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const synth = () => spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/synth.ts'], { cwd: scratch, encoding: 'utf8' });

  test('renders the same dist/ twice in a row (deterministic)', () => {
    expect(synth().status).toBe(0);
    const first = readTree(join(scratch, 'dist'));
    expect(synth().status).toBe(0);
    expect(readTree(join(scratch, 'dist'))).toEqual(first);
    // The same files the in-process render gives (the scratch copy holds the same fixtures).
    expect(first).toEqual(new Map(render().files));
  });

  test('a broken app fails with the file, field and expectation, and leaves dist/ untouched', () => {
    const before = readTree(join(scratch, 'dist'));
    writeFileSync(join(scratch, 'apps/broken.ts'), "export default { image: 'ghcr.io/me/broken:latest', port: 8080, hosts: ['broken'] };\n");
    const result = synth();
    rmSync(join(scratch, 'apps/broken.ts'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('apps/broken.ts');
    expect(result.stderr).toMatch(/image: got "ghcr.io\/me\/broken:latest", expected .*latest/);
    expect(result.stderr).toContain('dist/ was left unchanged');
    expect(readTree(join(scratch, 'dist'))).toEqual(before);
  });

  test('a bad cluster config fails naming config/cluster.ts and the field, and leaves dist/ untouched', () => {
    const before = readTree(join(scratch, 'dist'));
    const configPath = join(scratch, 'config/cluster.ts');
    const original = readFileSync(configPath, 'utf8');
    const broken = original.replace(/region: '[A-Z0-9]+'/, "region: 'AMS1'");
    expect(broken).not.toBe(original);
    writeFileSync(configPath, broken);
    const result = synth();
    writeFileSync(configPath, original);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config/cluster.ts');
    expect(result.stderr).toContain('region: got "AMS1", expected one of FRA1');
    expect(readTree(join(scratch, 'dist'))).toEqual(before);
  });

  test('a removed app disappears from dist/ (no stale files)', () => {
    rmSync(join(scratch, 'apps/fx-site.ts'));
    expect(synth().status).toBe(0);
    const files = [...readTree(join(scratch, 'dist')).keys()];
    expect(files.some((f) => f.includes('app-fx-site'))).toBe(false);
    expect(files.some((f) => f.includes('app-fx-shop'))).toBe(true);
    execFileSync('cp', [join(root, 'test/fixtures/apps/fx-site.ts'), join(scratch, 'apps/fx-site.ts')]);
  });
});
