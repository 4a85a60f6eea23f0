import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FAILED, feedback as run, GOOD, phase, RUN_URL, SHA, SMOKE_BAD, SMOKE_OK, TOKEN, writeIn } from './fixtures/deploy-feedback';
import { fakeGitHubApi, type FakeGitHubApi } from './fixtures/fake-github';

/*
 * scripts/deploy-feedback.ts as the deploy job runs it: the real CLI (spawned, never in-process)
 * against a local server playing GitHub's REST API. The requests are asserted whole: paths,
 * bodies, the token, the order of the statuses; a GitHub API failure is one line that changes no
 * exit code, and the job's Result step (run from deploy.yml) fails the job with the apply's code.
 * The job summary as written. The messages: deploy-feedback-notify.test.ts; the formats' limits:
 * deploy-notify.test.ts.
 */

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hobby-feedback-'));
const feedback = (args: string[], env: Record<string, string> = {}) => run(work, args, env);
const file = writeIn(work);

let github: FakeGitHubApi;
let dist: string;
beforeAll(async () => {
  github = await fakeGitHubApi(TOKEN);
  // dist/ routes three hosts; the apex is the environment's URL.
  dist = join(work, 'dist');
  mkdirSync(join(dist, '04-apps'), { recursive: true });
  const ingress = (name: string, hosts: string[]) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${name}\n  namespace: ${name}\nspec:\n  rules:\n${hosts.map((h) => `    - host: ${h}\n`).join('')}`;
  writeFileSync(join(dist, '04-apps', 'app-site.yaml'), `${ingress('site', ['www.example.org', 'example.org'])}---\n${ingress('notes', ['notes.example.org'])}`);
});
afterAll(async () => {
  await github.close();
  rmSync(work, { recursive: true, force: true });
});

const githubEnv = (api = github.url) => ({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'me/infra', GITHUB_SHA: SHA, GITHUB_API_URL: api, GITHUB_SERVER_URL: 'https://github.example', GITHUB_RUN_ID: '77' });
const since = (n: number) => github.requests.slice(n).map((r) => ({ ...r, body: r.body }));

describe('deployment start and finish', () => {
  it('records the deployment in progress, then success, with the environment URL and the run; the commit status pending, then success', async () => {
    const before = github.requests.length;
    const output = file('output-ok.txt', '');
    const start = await feedback(['deployment', 'start', '--dist', dist], { ...githubEnv(), GITHUB_OUTPUT: output });
    expect(start.status, start.stderr).toBe(0);
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
    expect(outputs.url).toBe('https://example.org/');
    expect(outputs.id).toMatch(/^\d+$/);
    const finish = await feedback(['deployment', 'finish', '--deployment-id', outputs.id!, '--apply-report', file('good.json', GOOD), '--smoke-report', file('smoke-ok.json', SMOKE_OK), '--apply-exit', '0', '--smoke-exit', '0', '--dist', dist], githubEnv());
    expect(finish.status, finish.stderr).toBe(0);
    expect(finish.stderr).not.toMatch(/warning|GitHub API/);
    const requests = since(before);
    expect(requests.every((r) => r.method === 'POST' && r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(requests.map((r) => [r.path, r.body.state ?? 'created'])).toEqual([
      ['/repos/me/infra/deployments', 'created'],
      [`/repos/me/infra/deployments/${outputs.id}/statuses`, 'in_progress'],
      [`/repos/me/infra/statuses/${SHA}`, 'pending'],
      [`/repos/me/infra/deployments/${outputs.id}/statuses`, 'success'],
      [`/repos/me/infra/statuses/${SHA}`, 'success'],
    ]);
    expect(requests[0]!.body).toEqual({ ref: SHA, environment: 'production', auto_merge: false, required_contexts: [], transient_environment: false, production_environment: true, description: 'Deploy of 0123456 by the Deploy workflow' });
    expect(requests[1]!.body).toEqual({ state: 'in_progress', log_url: RUN_URL, environment_url: 'https://example.org/', description: 'Applying 0123456' });
    expect(requests[2]!.body).toEqual({ state: 'pending', context: 'deploy/production', target_url: RUN_URL, description: 'Applying 0123456 to production' });
    expect(requests[3]!.body).toEqual({ state: 'success', log_url: RUN_URL, environment_url: 'https://example.org/', description: 'Deployed: applied, every phase healthy' });
    expect(requests[4]!.body).toMatchObject({ state: 'success', context: 'deploy/production', target_url: RUN_URL });
  });

  it.each([
    ['a failed apply, naming the step and the object', FAILED, '2', /^Failed: the apply failed in 02-helm-charts \(wait for HelmChart installs\): HelmChart kube-system\/traefik$/],
    ['no report (the apply crashed), with its exit code', undefined, '2', /^Failed: the apply left no report \(exit 2\)$/],
    ['a report that says done when the apply exited 2 (the exit code wins)', GOOD, '2', /^Failed: the apply failed \(exit 2\): done$/],
  ])('posts failure for %s', async (_, report, exit, description) => {
    const before = github.requests.length;
    const applyFile = report ? file(`apply-${exit}-${report.code}.json`, report) : join(work, 'never-written.json');
    const result = await feedback(['deployment', 'finish', '--deployment-id', '9', '--apply-report', applyFile, '--apply-exit', exit], githubEnv());
    expect(result.status, result.stderr).toBe(0);
    const [deployment, commit] = since(before);
    expect(deployment!.path).toBe('/repos/me/infra/deployments/9/statuses');
    expect(deployment!.body.state).toBe('failure');
    expect(deployment!.body.description).toMatch(description);
    expect(commit!.body).toMatchObject({ state: 'failure', context: 'deploy/production', description: deployment!.body.description });
  });

  it('fails the deployment when the smoke check failed after a good apply', async () => {
    const before = github.requests.length;
    const result = await feedback(['deployment', 'finish', '--deployment-id', '9', '--apply-report', file('good2.json', GOOD), '--smoke-report', file('smoke-bad.json', SMOKE_BAD), '--apply-exit', '0', '--smoke-exit', '1'], githubEnv());
    expect(result.status, result.stderr).toBe(0);
    expect(since(before).map((r) => r.body.description)).toEqual(['Failed: the smoke check failed: 1 of 2 hosts did not answer as expected', 'Failed: the smoke check failed: 1 of 2 hosts did not answer as expected']);
  });

  it('reports a GitHub API failure in one line, goes on with the other calls, and exits 0 (the deploy\'s result is the job\'s to give)', async () => {
    const denying = await fakeGitHubApi(TOKEN, /\/deployments$/);
    try {
      const output = file('output-denied.txt', '');
      const start = await feedback(['deployment', 'start', '--dist', dist], { ...githubEnv(denying.url), GITHUB_OUTPUT: output });
      expect(start.status).toBe(0);
      const warnings = start.stderr.split('\n').filter((l) => l.includes('GitHub API'));
      expect(warnings).toEqual([
        "deploy-feedback: GitHub API: POST /repos/me/infra/deployments: got HTTP 403 (Resource not accessible by integration), expected 201: the job needs permissions deployments: write and statuses: write; the deploy's own result is unchanged",
      ]);
      // The commit status is still written, and finish knows there is no deployment.
      expect(denying.requests.map((r) => `${r.path} ${r.body.state ?? ''}`.trim())).toEqual(['/repos/me/infra/deployments', `/repos/me/infra/statuses/${SHA} pending`]);
      expect(readFileSync(output, 'utf8')).toBe('url=https://example.org/\nid=\n');
      const finish = await feedback(['deployment', 'finish', '--deployment-id', '', '--apply-report', file('failed.json', FAILED), '--apply-exit', '2'], { ...githubEnv(denying.url), GITHUB_ACTIONS: 'true' });
      expect(finish.status).toBe(0);
      expect(finish.stderr).toContain('::warning::deploy-feedback: --deployment-id: got nothing');
      expect(denying.requests.at(-1)!.body).toMatchObject({ state: 'failure' });
    } finally {
      await denying.close();
    }
  });

  it('exits 0 when GitHub cannot be reached at all, or the token is missing', async () => {
    const closed = await fakeGitHubApi(TOKEN);
    await closed.close();
    const unreachable = await feedback(['deployment', 'finish', '--deployment-id', '3', '--apply-report', file('good3.json', GOOD)], githubEnv(closed.url));
    expect(unreachable.status).toBe(0);
    expect(unreachable.stderr).toMatch(/GitHub API: POST \/repos\/me\/infra\/deployments\/3\/statuses: got .*ECONNREFUSED.*, expected HTTP 201/);
    const { GITHUB_TOKEN: _, ...noToken } = githubEnv();
    const tokenless = await feedback(['deployment', 'start'], noToken);
    expect(tokenless.status).toBe(0);
    expect(tokenless.stderr).toContain("GITHUB_TOKEN: got nothing, expected the job's token");
  });
});

describe('the job summary', () => {
  it('writes outcome, failed step, changes, health with each problem named, smoke per host and time per phase to $GITHUB_STEP_SUMMARY', async () => {
    const summaryFile = file('summary.md', '# earlier step\n');
    const result = await feedback(['summary', '--apply-report', file('failed2.json', FAILED), '--smoke-report', join(work, 'no-smoke.json'), '--apply-exit', '2', '--smoke-exit', '', '--dist', dist], { GITHUB_STEP_SUMMARY: summaryFile, GITHUB_REPOSITORY: 'me/infra', GITHUB_SHA: SHA, GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.example' });
    expect(result.status, result.stderr).toBe(0);
    const text = readFileSync(summaryFile, 'utf8');
    expect(text.startsWith('# earlier step\n## ❌ Deploy of `0123456`: the apply failed in 02-helm-charts (wait for HelmChart installs): HelmChart kube-system/traefik\n')).toBe(true);
    expect(text).toContain(`[https://example.org/](https://example.org/) · [this run](${RUN_URL})`);
    expect(text).toContain('**Failed step**: 02-helm-charts, wait for HelmChart installs: `HelmChart kube-system/traefik`');
    expect(text).toContain('The apply ended with exit 2 after 1 min 35 s: 02-helm-charts: HelmChart kube-system/traefik failed to install');
    expect(text).toContain('| 02-helm-charts | 13 s | 1 | 0 | ❌ 1 problem |');
    // The cluster's text is data: no HTML, no table cell broken by a pipe.
    expect(text).toContain('  - `HelmChart kube-system/traefik`: Error: INSTALLATION FAILED: &lt;script&gt;x&lt;/script&gt; \\| values');
    expect(text).toContain('### Smoke check\n\nNot run: the apply did not succeed.');
  });

  it('collapses a long list of changes and shows each host of the smoke check', async () => {
    const many = { ...GOOD, phases: [phase('04-apps', { seconds: 200, sent: Array.from({ length: 12 }, (_, i) => `Deployment app-${i}/app-${i}: changed in dist/`) })] };
    const result = await feedback(['summary', '--apply-report', file('many.json', many), '--smoke-report', file('smoke-bad2.json', SMOKE_BAD)], { GITHUB_SHA: SHA });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^## ❌ Deploy of `0123456`: the smoke check failed: 1 of 2 hosts/);
    expect(result.stdout).toContain('<details><summary><b>04-apps</b>: 12 objects sent</summary>\n\n- Deployment app-0/app-0: changed in dist/\n');
    expect(result.stdout).toContain('| 04-apps | 3 min 20 s | 12 | 0 | not checked |');
    expect(result.stdout).toContain('| https://notes.example.org/healthz | public | ❌ 502 after 12 tries in 60 s | 502 | 12 | 1 min 00 s |');
    expect(result.stdout).toContain('| https://example.org/ | public | ✅ ok | 200 | 1 | 0.4 s |');
  });

  it('says so when the report is not what apply writes', async () => {
    const result = await feedback(['summary', '--apply-report', file('wrong.json', { kind: 'smoke', code: 0, results: [] })]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('The apply wrote no report: ');
    expect(result.stdout).toContain('wrong.json: kind: got "smoke", expected "apply"');
  });
});


describe('the deploy job\'s Result step fails the job with the apply\'s code, whatever the feedback steps did', () => {
  const steps = parse(readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8')).jobs.apply.steps as { name?: string; run?: string }[];
  const script = steps.find((s) => s.name === 'Result')!.run!;
  const result = (env: Record<string, string>) =>
    new Promise<number | null>((done) => spawn('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore' }).on('close', done));
  it.each([
    [{ APPLY_CODE: '0', SMOKE_CODE: '0' }, 0],
    [{ APPLY_CODE: '2', SMOKE_CODE: '' }, 2],
    [{ APPLY_CODE: '3', SMOKE_CODE: '' }, 3],
    [{ APPLY_CODE: '0', SMOKE_CODE: '1' }, 1],
  ])('%j exits %i', async (env, code) => {
    expect(await result(env)).toBe(code);
  });
});

