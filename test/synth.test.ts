import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { copyProject, readTree, render } from './helpers';

const root = resolve(import.meta.dirname, '..');

describe('committed dist/', () => {
  test('equals a fresh synth, file for file and byte for byte', () => {
    const committed = readTree(join(root, 'dist'));
    const fresh = render().files;
    expect([...committed.keys()]).toEqual([...fresh.keys()]);
    for (const [path, text] of fresh) expect(committed.get(path), path).toBe(text);
  });

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

describe('npm run synth in a scratch copy of the repo', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hobby-synth-'));
  copyProject(root, scratch, { dist: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const synth = () => spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/synth.ts'], { cwd: scratch, encoding: 'utf8' });

  test('renders the same dist/ twice in a row (deterministic)', () => {
    expect(synth().status).toBe(0);
    const first = readTree(join(scratch, 'dist'));
    expect(synth().status).toBe(0);
    expect(readTree(join(scratch, 'dist'))).toEqual(first);
    expect(first).toEqual(readTree(join(root, 'dist')));
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
    writeFileSync(configPath, original.replace("region: 'FRA1'", "region: 'AMS1'"));
    const result = synth();
    writeFileSync(configPath, original);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config/cluster.ts');
    expect(result.stderr).toContain('region: got "AMS1", expected one of FRA1');
    expect(readTree(join(scratch, 'dist'))).toEqual(before);
  });

  test('a removed app disappears from dist/ (no stale files)', () => {
    rmSync(join(scratch, 'apps/site.ts'));
    expect(synth().status).toBe(0);
    const files = [...readTree(join(scratch, 'dist')).keys()];
    expect(files.some((f) => f.includes('app-site'))).toBe(false);
    expect(files.some((f) => f.includes('app-shop'))).toBe(true);
    execFileSync('cp', [join(root, 'apps/site.ts'), join(scratch, 'apps/site.ts')]);
  });
});
