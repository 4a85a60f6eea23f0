import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

/*
 * The suite does not depend on the user's apps: README's "Add an app" commands, run verbatim in a
 * scratch copy of the whole project (for `demo`, README's own name, and for a second name), then
 * `npm run synth`, leave the unit suite green there.
 *
 * SLOW (about a minute on two cores): it runs the whole unit suite once more, inside the copy (minus
 * this file, and with INDEPENDENCE_INNER set so a copy never recurses). The cluster and helm suites are
 * not run: they start a control plane or build helm, and read apps through the same fixtures
 * (test/fixtures/apps.ts, test/cluster/harness.ts renderDist).
 */

const root = resolve(import.meta.dirname, '..');
const SELF = 'test/independence.test.ts';
const SECOND_NAME = 'guestbook';

/** The shell lines of README's first code block under "## Add an app", as a user would paste them. */
export function addAppCommands(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Add an app'));
  if (!section) throw new Error('README.md: "## Add an app": got no such section, expected the commands that add an app');
  const block = /```(?:sh|bash|shell)\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: "## Add an app": got no ```sh block, expected the commands that add an app');
  return block[1]!.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

// Everything the suite reads, as a clone has it; not the worktree's git link, installed packages or caches.
const SKIPPED = new Set(['.git', 'node_modules', '.cache', 'coverage']);

describe.skipIf(process.env.INDEPENDENCE_INNER)('README "Add an app", verbatim, then the unit suite (slow: runs the suite once)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hobby-independence-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const commands = addAppCommands(readFileSync(join(root, 'README.md'), 'utf8'));

  test('README shows new-app for `demo` and a synth', () => {
    expect(commands.some((c) => c.startsWith('npm run new-app -- demo '))).toBe(true);
    expect(commands).toContain('npm run synth');
  });

  test(`adding demo and ${SECOND_NAME} as README says, then npm run synth and the unit suite, is green`, { timeout: 15 * 60_000 }, () => {
    cpSync(root, scratch, { recursive: true, filter: (src) => src === root || !SKIPPED.has(basename(src)) || !src.startsWith(`${root}/`) || src.slice(root.length + 1).includes('/') });
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
    // README's block may run git (`git diff --stat`): the copy is a clone-like repository at one commit.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: scratch, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', 'commit', '-q', '--allow-empty', '-m', 'x');
    git('add', '-A');
    git('-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'clone');

    const { HOBBY_APPS_DIR: _apps, CDK8S_OUTDIR: _out, VITEST: _v, VITEST_WORKER_ID: _w, VITEST_POOL_ID: _p, NODE_ENV: _n, ...env } = process.env;
    for (const name of ['demo', SECOND_NAME]) {
      for (const command of commands) {
        const line = command.replace(/\bdemo\b/g, name);
        const r = spawnSync('bash', ['-c', line], { cwd: scratch, encoding: 'utf8', env });
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
      }
      expect(existsSync(join(scratch, `apps/${name}.ts`)), `apps/${name}.ts`).toBe(true);
    }
    const synth = spawnSync('npm', ['run', 'synth'], { cwd: scratch, encoding: 'utf8', env });
    expect(synth.status, synth.stderr).toBe(0);
    expect(existsSync(join(scratch, `dist/04-apps/app-${SECOND_NAME}.yaml`))).toBe(true);

    const suite = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--exclude', SELF, '--reporter', 'dot'], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...env, INDEPENDENCE_INNER: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const failed = (suite.stdout + suite.stderr).split('\n').filter((l) => /FAIL|✗|×|AssertionError|Error:/.test(l));
    expect(suite.status, `the unit suite failed in a copy with apps demo and ${SECOND_NAME}:\n${failed.slice(0, 60).join('\n')}`).toBe(0);
  });
});
