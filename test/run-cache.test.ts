import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
// @ts-expect-error plain ESM module of the runner
import { checkProjectFacts, projectFacts } from '../scripts/runner/fingerprint.mjs';
import { copyProject } from './helpers';

/*
 * scripts/run.mjs runs cached bundles. The cache must never serve stale output: every edit to what
 * a bundle was built from is seen on the very next run, even one that keeps the file's size and
 * lands in the same second, and an unchanged tree reuses the bundle instead of rebuilding it.
 */

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'hobby-run-cache-'));
const cache = join(scratch, '.run-cache');
copyProject(root, scratch);
// An app of the test's own rather than the user's apps/, which may change (or not validate) while they edit.
rmSync(join(scratch, 'apps'), { recursive: true });
mkdirSync(join(scratch, 'apps'));
writeFileSync(join(scratch, 'apps/site.ts'), "import { defineApp } from '../lib/app-spec';\n\nexport default defineApp({ image: 'ghcr.io/me/site:1.4.2', port: 8080, hosts: ['site'] });\n");
// The dependency bundle is shared as is (it is keyed on the lock files and node_modules); the project's are this test's own.
const shared = join(root, 'node_modules/.cache/hobby-infra/run/packages');
if (existsSync(shared)) cpSync(shared, join(cache, 'packages'), { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const out = join(scratch, 'out');
function synth(): string {
  const { HOBBY_APPS_DIR: _apps, CDK8S_OUTDIR: _out, ...env } = process.env;
  const result = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/synth.ts', '--outdir', out], { cwd: scratch, encoding: 'utf8', env: { ...env, HOBBY_INFRA_RUN_CACHE: cache } });
  expect(result.status, result.stderr).toBe(0);
  // The app's Deployment, where its image is: in the rollout phase.
  return readFileSync(join(out, '04-apps/app-site.yaml'), 'utf8');
}
const builds = () => readdirSync(join(cache, 'project/synth')).filter((f) => f.endsWith('.cjs')).length;
const edit = (file: string, from: string, to: string) => {
  const path = join(scratch, file);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
};

describe('the bundle cache of scripts/run.mjs', () => {
  test('reuses a bundle while nothing changed, and sees every edit on the next run', () => {
    const first = synth();
    expect(builds()).toBe(1);
    expect(synth()).toBe(first);
    expect(builds()).toBe(1);

    // Same size, same second: only the content tells.
    const image = /image: (\S+)/.exec(first)![1]!;
    const bumped = image.replace(/.$/, (c) => (c === '9' ? '8' : String(Number(c) + 1)));
    expect(bumped.length).toBe(image.length);
    edit('apps/site.ts', image, bumped);
    expect(synth()).toContain(`image: ${bumped}`);

    // A library file the bundle includes.
    edit('lib/render.ts', 'Do not edit: change the source', 'Do not edit by hand: change the source');
    expect(synth()).toContain('Do not edit by hand');

    // A new app: a file no bundle has read yet.
    writeFileSync(join(scratch, 'apps/blog.ts'), "export default { image: 'ghcr.io/me/blog:1.0.0', port: 8080, hosts: ['blog'] };\n");
    synth();
    expect(existsSync(join(out, '04-apps/app-blog.yaml'))).toBe(true);

    // A stray folder in apps/ is refused, as on a fresh build.
    cpSync(join(scratch, 'lib'), join(scratch, 'apps/stray'), { recursive: true });
    const stray = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/synth.ts', '--outdir', out], { cwd: scratch, encoding: 'utf8', env: { ...process.env, HOBBY_APPS_DIR: join(scratch, 'apps'), HOBBY_INFRA_RUN_CACHE: cache } });
    expect(stray.stderr).toContain('apps/stray/: got a file that is not an app');
    rmSync(join(scratch, 'apps/stray'), { recursive: true });

    // Back to a tree built before: served from the cache again, and correct.
    rmSync(join(scratch, 'apps/blog.ts'));
    const count = builds();
    synth();
    expect(existsSync(join(out, '04-apps/app-blog.yaml'))).toBe(false);
    expect(builds()).toBe(count);
  });

  test('a build goes on while another run prunes the same cache (a build listed, then gone before its stat)', () => {
    synth();
    // What a concurrent prune leaves between this run's listing and its stat: a name that is no file.
    const gone = join(cache, 'project/synth/0-pruned-meanwhile.json');
    symlinkSync(join(cache, 'project/synth/no-such-build'), gone);
    edit('apps/site.ts', "port: 8080", "port: 8081");
    expect(synth()).toContain('8081');
    rmSync(gone);
  });
});

describe('the stat shortcut of the bundle cache', () => {
  // A file is hashed again unless its size, times and inode are unchanged and it had settled (not
  // written in the 2 s before its stat was recorded). The clock is passed in rather than waited for.
  const dir = join(scratch, 'stat-shortcut');
  const file = join(dir, 'a.ts');
  const later = (ms: number) => Date.now() + ms;

  test('a settled, untouched file is trusted; an edit that restores size and mtime is still seen', () => {
    cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    // Whole seconds, so that the mtime can be put back exactly.
    const minuteAgo = Math.floor(Date.now() / 1000) - 60;
    writeFileSync(file, 'export const tag = "1.0.0";\n');
    utimesSync(file, minuteAgo, minuteAgo);
    const facts = { ...projectFacts(dir, [file]), statsAt: later(10_000) };
    expect(checkProjectFacts(dir, facts, later(20_000))).toEqual({ refreshed: undefined });

    const before = statSync(file);
    writeFileSync(file, 'export const tag = "2.0.0";\n');
    utimesSync(file, minuteAgo, minuteAgo);
    const after = statSync(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    // Only the change time (which no one can set back) tells.
    expect(checkProjectFacts(dir, facts, later(20_000))).toBe(false);
  });

  test('a file written just before its record is hashed, and its stat is refreshed once it has settled', () => {
    writeFileSync(file, 'export const tag = "3.0.0";\n');
    const facts = projectFacts(dir, [file]);
    // Written in the same instant as recorded: racy, so the content decides.
    expect(checkProjectFacts(dir, facts, Date.now())).toEqual({ refreshed: undefined });
    const check = checkProjectFacts(dir, facts, later(10_000));
    expect(check.refreshed.statsAt).toBeGreaterThan(facts.statsAt);
    expect(checkProjectFacts(dir, check.refreshed, later(20_000))).toEqual({ refreshed: undefined });
    writeFileSync(file, 'export const tag = "4.0.0";\n');
    expect(checkProjectFacts(dir, check.refreshed, later(20_000))).toBe(false);
  });
});
