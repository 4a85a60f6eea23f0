import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { render } from './helpers';

const root = resolve(import.meta.dirname, '..');
const secretlint = join(root, 'node_modules/.bin/secretlint');
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('no secret value reaches dist/ or git', () => {
  const { objects, files } = render();

  test('dist/ holds no Secret objects: secrets arrive through ExternalSecrets at run time', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const [file, text] of files) expect(text, file).not.toMatch(/^\s*stringData:/m);
  });

  test('containers take secrets only by reference', () => {
    for (const o of objects.filter((x) => x.kind === 'Deployment') as any[]) {
      for (const c of o.spec.template.spec.containers) {
        for (const e of c.env ?? []) {
          // DATABASE_URL only by reference to the database's generated Secret; nothing secret as a value.
          if (e.name === 'DATABASE_URL') expect(e, o.metadata.name).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: expect.stringMatching(/-db(-r[0-9a-z]+)?-app$/), key: 'uri' } } });
          else expect(e.name).not.toMatch(/PASSWORD|SECRET|TOKEN|DATABASE_URL/);
        }
      }
    }
  });

  test('secretlint is clean over every file in the repository', () => {
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.endsWith('package-lock.json'));
    const result = spawnSync(secretlint, ['--format', 'compact', ...tracked], { cwd: root, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('secretlint does catch a committed token (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leak-'));
    scratch.push(dir);
    // Assembled at run time so this test file itself stays clean.
    writeFileSync(join(dir, 'leak.ts'), `export const token = "${['ghp', 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'].join('_')}";\n`);
    const result = spawnSync(secretlint, ['--secretlintrc', join(root, '.secretlintrc.json'), join(dir, 'leak.ts')], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('GITHUB_TOKEN');
  });
});

describe("synth's secretlint config", () => {
  test("is what secretlint's own config loader makes of .secretlintrc.json", async () => {
    const { loadSecretlintConfig } = await import('../lib/secret-scan');
    const { loadConfig } = await import('@secretlint/config-loader');
    const ours = await loadSecretlintConfig(root);
    const loaders = (await loadConfig({ cwd: root, configFilePath: join(root, '.secretlintrc.json') })).config;
    const shape = (config: any) => JSON.stringify(config, (key, value) => (key === 'rule' ? value.meta : value));
    expect(shape(ours)).toBe(shape(loaders));
    expect(ours.rules.length).toBeGreaterThan(0);
  });

  test('goes through the loader for anything but plain rule ids (rule options here)', async () => {
    const { loadSecretlintConfig } = await import('../lib/secret-scan');
    const dir = mkdtempSync(join(tmpdir(), 'hobby-secretlintrc-'));
    scratch.push(dir);
    writeFileSync(join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', options: { nope: true } }] }));
    const config = await loadSecretlintConfig(dir);
    expect((config.rules[0] as any).options).toEqual({ nope: true });
  });
});
