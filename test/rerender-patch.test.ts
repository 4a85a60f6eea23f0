import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/*
 * rerender.yml's push job applies a patch that a Renovate branch's code rendered, with BOT_TOKEN
 * one step later: the patch is untrusted data. Its apply step, run here as the workflow runs it
 * (bash -e, with real git), takes a change to dist/ or imports/ and refuses anything else.
 */

const workflow = parse(readFileSync(resolve(import.meta.dirname, '../.github/workflows/rerender.yml'), 'utf8'));
const step = workflow.jobs.push.steps.find((s: { name?: string }) => s.name?.startsWith('Apply the patch'));
const dirs: string[] = [];
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });

/** A repository with dist/a.yaml and .github/workflows/deploy.yml, and a patch made by `edit` in a copy of it (of the paths it returns, or all). */
function scenario(edit: (dir: string) => string[] | void, setup: (dir: string) => void = () => {}) {
  const base = mkdtempSync(join(tmpdir(), 'hobby-infra-rerender-'));
  dirs.push(base);
  const repo = join(base, 'repo');
  const write = (dir: string, file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  mkdirSync(repo);
  git(repo, 'init', '-q');
  write(repo, 'dist/a.yaml', 'kind: Namespace\n');
  write(repo, '.github/workflows/deploy.yml', 'name: Deploy\n');
  setup(repo);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  const render = join(base, 'render');
  git(base, 'clone', '-q', repo, render);
  const paths = edit(render) ?? [];
  git(render, 'add', '-A');
  mkdirSync(join(base, 'temp', 'patch'), { recursive: true });
  writeFileSync(join(base, 'temp', 'patch', 'rerender.patch'), git(render, 'diff', '--cached', '--binary', '--', ...paths));
  const result = spawnSync('bash', ['-e', '-c', step.run], { cwd: repo, env: { PATH: process.env.PATH, RUNNER_TEMP: join(base, 'temp') }, encoding: 'utf8' });
  return { ...result, repo, staged: git(repo, 'diff', '--cached', '--name-only').trim() };
}

afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the re-render patch', () => {
  it('is applied when it changes only dist/ and imports/', () => {
    const result = scenario((dir) => {
      writeFileSync(join(dir, 'dist/a.yaml'), 'kind: Namespace\nmetadata: {}\n');
      mkdirSync(join(dir, 'imports'));
      writeFileSync(join(dir, 'imports/k8s.ts'), 'export {};\n');
    });
    expect(result.status).toBe(0);
    expect(result.staged.split('\n')).toEqual(['dist/a.yaml', 'imports/k8s.ts']);
  });

  it('is refused when it touches a workflow, and nothing is committed', () => {
    const result = scenario((dir) => writeFileSync(join(dir, '.github/workflows/deploy.yml'), 'name: Deploy\non: pull_request\n'));
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('::error::the re-render patch touches paths outside dist/ and imports/');
    expect(result.stdout).toContain('.github/workflows/deploy.yml');
    expect(git(result.repo, 'log', '--oneline').trim().split('\n')).toHaveLength(1);
  });

  it('is refused when it moves a file out of dist/', () => {
    const result = scenario((dir) => {
      git(dir, 'mv', 'dist/a.yaml', 'run.sh');
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('run.sh');
  });

  it('cannot write through a symbolic link in dist/', () => {
    // A crafted patch: a new file under dist/out, which the branch made a link to .github/workflows.
    const result = scenario(
      (dir) => {
        rmSync(join(dir, 'dist/out'));
        mkdirSync(join(dir, 'dist/out'));
        writeFileSync(join(dir, 'dist/out/evil.yml'), 'on: pull_request_target\n');
        return ['dist/out/evil.yml'];
      },
      (dir) => symlinkSync('../.github/workflows', join(dir, 'dist/out')),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/beyond a symbolic link/);
    expect(existsSync(join(result.repo, '.github/workflows/evil.yml'))).toBe(false);
  });
});
