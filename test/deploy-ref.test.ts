import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployRefProblem, deployRunFromEnv } from '../lib/delivery/deploy-ref';
import { fixture } from './fixtures/fake-kubectl';

/*
 * The deploy job's artifact: `npm run bundle` turns scripts into single files that run with plain
 * node and no node_modules (the production job installs nothing), and the head-of-main check,
 * run from that bundle against a stand-in for the GitHub API (a real HTTP server), refuses every
 * commit that is not main's head.
 */

const root = resolve(import.meta.dirname, '..');
const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { PATH: process.env.PATH, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('deployRefProblem', () => {
  it('passes main at its head, and refuses another branch or an older commit of main, naming the variable', () => {
    expect(deployRefProblem({ ref: 'refs/heads/main', sha: HEAD }, HEAD)).toBeUndefined();
    expect(deployRefProblem({ ref: 'refs/heads/feature', sha: HEAD }, HEAD)).toMatch(/^GITHUB_REF: got refs\/heads\/feature, expected refs\/heads\/main/);
    expect(deployRefProblem({ ref: 'refs/tags/v1', sha: HEAD }, HEAD)).toMatch(/^GITHUB_REF: got refs\/tags\/v1/);
    expect(deployRefProblem({ ref: 'refs/heads/main', sha: OLD }, HEAD)).toMatch(new RegExp(`^GITHUB_SHA: got ${OLD}, expected main's head ${HEAD}: .*re-run of an old Deploy`));
  });

  it('reads the run from the variables GitHub Actions sets, and names the one that is missing', () => {
    const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'me/hobby-infra', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: HEAD };
    expect(deployRunFromEnv(env)).toEqual({ run: { ref: 'refs/heads/main', sha: HEAD }, access: { apiUrl: 'https://api.github.com', repository: 'me/hobby-infra', token: 't' } });
    expect(deployRunFromEnv({ ...env, GITHUB_TOKEN: '' })).toEqual({ problem: expect.stringMatching(/^GITHUB_TOKEN: got nothing/) });
    expect(deployRunFromEnv({ ...env, GITHUB_REPOSITORY: 'x' })).toEqual({ problem: expect.stringMatching(/^GITHUB_REPOSITORY: got "x", expected owner\/name/) });
    expect(deployRunFromEnv({ ...env, GITHUB_SHA: 'main' })).toEqual({ problem: expect.stringMatching(/^GITHUB_SHA: got "main"/) });
  });
});

describe('the deploy bundle', () => {
  const out = mkdtempSync(join(tmpdir(), 'hobby-infra-bundle-'));
  const requests: { url?: string; authorization?: string }[] = [];
  let server: Server;
  let api: string;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url, authorization: req.headers.authorization });
      const known = req.url === '/repos/me/hobby-infra/git/ref/heads/main';
      res.writeHead(known ? status : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(known && status === 200 ? { ref: 'refs/heads/main', object: { sha: HEAD, type: 'commit' } } : { message: 'Not Found' }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bundled = await run(['scripts/run.mjs', 'scripts/bundle.ts', '--out', out, 'scripts/deploy-ref.ts', 'scripts/apply.ts'], { cwd: root });
    expect(bundled.stderr).toBe('');
    expect(bundled.code).toBe(0);
  });
  afterAll(() => {
    server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  const check = (env: NodeJS.ProcessEnv) =>
    run([join(out, 'deploy-ref.cjs')], { cwd: out, env: { GITHUB_TOKEN: 'job-token', GITHUB_REPOSITORY: 'me/hobby-infra', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: HEAD, GITHUB_API_URL: api, ...env } });

  it('passes a run of main\'s head, asking GitHub with the job\'s token', async () => {
    const result = await check({});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`deploy-ref: ${HEAD} is the head of main\n`);
    expect(requests.at(-1)).toEqual({ url: '/repos/me/hobby-infra/git/ref/heads/main', authorization: 'Bearer job-token' });
  });

  it('refuses a re-run of an older commit and a dispatch from another branch (exit 1)', async () => {
    expect(await check({ GITHUB_SHA: OLD })).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^deploy-ref: GITHUB_SHA: got ${OLD}, expected main's head ${HEAD}`)) });
    expect(await check({ GITHUB_REF: 'refs/heads/try-this' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^deploy-ref: GITHUB_REF: got refs\/heads\/try-this, expected refs\/heads\/main/) });
  });

  it('stops when GitHub cannot say (exit 2), and without a token never asks', async () => {
    status = 403;
    try {
      expect(await check({})).toMatchObject({ code: 2, stderr: expect.stringMatching(/^deploy-ref: GitHub API: got HTTP 403 from http:\/\/127\.0\.0\.1:\d+\/repos\/me\/hobby-infra\/git\/ref\/heads\/main, expected main's ref/) });
    } finally {
      status = 200;
    }
    const asked = requests.length;
    expect(await check({ GITHUB_TOKEN: '' })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^deploy-ref: GITHUB_TOKEN: got nothing/) });
    expect(requests.length).toBe(asked);
  });

  it('runs the apply from the bundle alone, with the plan the source prints', async () => {
    const dist = join(out, 'dist');
    for (const [file, text] of fixture) {
      mkdirSync(dirname(join(dist, file)), { recursive: true });
      writeFileSync(join(dist, file), text);
    }
    const bundled = await run([join(out, 'apply.cjs'), '--plan'], { cwd: out });
    const source = await run(['scripts/run.mjs', 'scripts/apply.ts', '--plan', '--dist', dist], { cwd: root });
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toContain('kubectl apply --server-side');
    expect(bundled.stdout).toBe(source.stdout.replaceAll(dist, 'dist'));
  });

  it('refuses what it cannot bundle into one file, and answers --help', async () => {
    expect(await run(['scripts/run.mjs', 'scripts/bundle.ts', '--out', out, 'scripts/nope.ts'], { cwd: root })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bundle: <entry.ts>: got scripts\/nope.ts, expected an existing script/) });
    expect(await run(['scripts/run.mjs', 'scripts/bundle.ts', 'scripts/apply.ts'], { cwd: root })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bundle: --out: got nothing/) });
    expect(await run([join(out, 'deploy-ref.cjs'), '--help'], { cwd: out })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: npm run -s deploy-ref/) });
  });
});
