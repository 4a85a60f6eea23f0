import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/*
 * What renovate.json decides for each dependency this repository has: its packageRules applied the
 * way Renovate applies them (every match* of a rule must hold; later rules override earlier ones),
 * for the platform's charts, images and CRD sources, npm, the workflows' actions and an app's image.
 * The config's syntax is Renovate's own word: the PR workflow runs renovate-config-validator.
 */

const root = resolve(import.meta.dirname, '..');
type Rule = Record<string, any>;
const config = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')) as Record<string, any> & { packageRules: Rule[] };
type Dep = { file: string; manager: string; datasource: string; depName: string; updateType: string; depType?: string };

/** Renovate's matchFileNames globs: `*` within a path segment, `**` across segments. */
const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*')}$`);
const nameMatches = (patterns: string[], name: string) => patterns.some((p) => (p.startsWith('/') ? new RegExp(p.slice(1, -1)).test(name) : p === name));

function resolved(dep: Dep): Rule {
  let out: Rule = { schedule: config.schedule, automerge: false };
  for (const rule of config.packageRules) {
    const holds =
      (!rule.matchFileNames || rule.matchFileNames.some((p: string) => glob(p).test(dep.file))) &&
      (!rule.matchDatasources || rule.matchDatasources.includes(dep.datasource)) &&
      (!rule.matchPackageNames || nameMatches(rule.matchPackageNames, dep.depName)) &&
      (!rule.matchManagers || rule.matchManagers.includes(dep.manager)) &&
      (!rule.matchDepTypes || rule.matchDepTypes.includes(dep.depType)) &&
      (!rule.matchUpdateTypes || rule.matchUpdateTypes.includes(dep.updateType));
    if (holds) out = { ...out, ...Object.fromEntries(Object.entries(rule).filter(([k]) => !k.startsWith('match') && k !== 'description')) };
  }
  return out;
}

// The platform's dependencies as Renovate's custom managers find them in config/versions.ts.
const versions = readFileSync(join(root, 'config/versions.ts'), 'utf8');
const platform = [...versions.matchAll(/renovate: datasource=(\S+) depName=(\S+)/g)].map((m) => ({ file: 'config/versions.ts', manager: 'custom.regex', datasource: m[1]!, depName: m[2]! }));
const UPDATES = ['major', 'minor', 'patch', 'digest'] as const;
const action: Omit<Dep, 'updateType'> = { file: '.github/workflows/pr.yml', manager: 'github-actions', datasource: 'github-tags', depName: 'actions/checkout' };
const app: Omit<Dep, 'updateType'> = { file: 'apps/site.ts', manager: 'custom.regex', datasource: 'docker', depName: 'ghcr.io/me/site' };
const npmTool: Omit<Dep, 'updateType'> = { file: 'package.json', manager: 'npm', datasource: 'npm', depName: 'vitest', depType: 'devDependencies' };

describe('renovate.json: quiet and safe', () => {
  it('groups each platform dependency with its component (a charts/ module, or the image the platform names itself), one PR per component', () => {
    expect(platform.length).toBeGreaterThanOrEqual(15);
    const groups = new Map<string, string[]>();
    for (const dep of platform) {
      const group = resolved({ ...dep, updateType: 'minor' }).groupName as string;
      expect(group, dep.depName).toBeTruthy();
      groups.set(group, [...(groups.get(group) ?? []), dep.depName]);
    }
    for (const group of groups.keys()) expect(existsSync(join(root, 'charts', `${group}.ts`)) || ['postgresql', 'valkey'].includes(group), group).toBe(true);
    // The chart and the images its module runs move together.
    expect(groups.get('cloudnative-pg')).toEqual(expect.arrayContaining(['cloudnative-pg', 'plugin-barman-cloud', 'cloudnative-pg/plugin-barman-cloud']));
    expect(groups.get('volsync')).toEqual(['volsync', 'docker.io/restic/restic']);
    // The CRD sources in cdk8s.yaml are the same dependency as the chart, in the same group.
    expect(resolved({ file: 'cdk8s.yaml', manager: 'custom.regex', datasource: 'helm', depName: 'traefik', updateType: 'minor' }).groupName).toBe('traefik');
  });

  it('proposes chart, image and tool updates once a week, and an app\'s image (its release) at any time', () => {
    expect(config.schedule).toEqual(['* 0-3 * * 1']);
    for (const dep of [...platform, action, npmTool]) for (const updateType of UPDATES) expect(resolved({ ...dep, updateType }).schedule, dep.depName).toEqual(['* 0-3 * * 1']);
    expect(resolved({ ...app, updateType: 'minor' }).schedule).toEqual(['at any time']);
  });

  it('holds every versioned platform and action update for 3 days (npm too), but not an app\'s release', () => {
    for (const dep of [...platform, action]) {
      for (const updateType of ['major', 'minor', 'patch']) expect(resolved({ ...dep, updateType }).minimumReleaseAge, `${dep.depName} ${updateType}`).toBe('3 days');
      // A digest has no version to age: Renovate would hold it forever.
      expect(resolved({ ...dep, updateType: 'digest' }).minimumReleaseAge).toBeUndefined();
    }
    expect(resolved({ ...npmTool, updateType: 'patch' }).minimumReleaseAge).toBe('3 days');
    expect(resolved({ ...app, updateType: 'patch' }).minimumReleaseAge).toBeUndefined();
  });

  it('automerges only digest updates and GitHub Action pin updates within a major, and only when the checks pass', () => {
    expect(config.automerge).toBeUndefined();
    expect(config.ignoreTests).toBeUndefined(); // Renovate's default: automerge waits for passing checks
    for (const rule of config.packageRules) expect(rule.ignoreTests).toBeUndefined();
    const merged = [...platform, action, npmTool, app].flatMap((dep) => UPDATES.filter((u) => dep.datasource !== 'npm' || u !== 'digest').filter((updateType) => resolved({ ...dep, updateType }).automerge).map((u) => `${dep.depName} ${u}`));
    // npm has no digest updates; an app's image never merges itself.
    expect(merged).toEqual([...platform.map((d) => `${d.depName} digest`), 'actions/checkout minor', 'actions/checkout patch', 'actions/checkout digest']);
  });

  it('lets a Renovate branch the re-render bot pushed to still be rebased and automerged (its commits are not an edit)', () => {
    const rerender = readFileSync(join(root, '.github/workflows/rerender.yml'), 'utf8');
    const email = /user\.email='([^']+)'/.exec(rerender)![1]!;
    expect(config.gitIgnoredAuthors).toEqual([email]);
  });

  it('keeps the dependency dashboard, and keeps the validator the PR workflow runs current', () => {
    expect(config.dependencyDashboard).toBe(true);
    const pr = parse(readFileSync(join(root, '.github/workflows/pr.yml'), 'utf8'));
    const run = (pr.jobs['renovate-config'].steps as { run?: string }[]).map((s) => s.run ?? '').join('\n');
    const manager = config.customManagers.find((m: Rule) => m.depNameTemplate === 'renovate');
    const pinned = new RegExp(manager.matchStrings[0]).exec(run)?.groups?.currentValue;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manager.datasourceTemplate).toBe('npm');
    expect(glob('.github/workflows/pr.yml').test('.github/workflows/pr.yml') && new RegExp(manager.managerFilePatterns[0].slice(1, -1)).test('.github/workflows/pr.yml')).toBe(true);
  });

  it('keeps the Trivy release the workflow pins current, with its action', () => {
    const text = readFileSync(join(root, '.github/workflows/pr.yml'), 'utf8');
    const manager = config.customManagers.find((m: Rule) => m.depNameTemplate === 'aquasecurity/trivy');
    const pinned = new RegExp(manager.matchStrings[0]).exec(text)?.groups?.currentValue;
    const step = (parse(text).jobs.check.steps as { uses?: string; with?: { version?: string } }[]).find((s) => s.uses?.startsWith('aquasecurity/trivy-action@'));
    expect(pinned).toBe(step!.with!.version);
    const trivy = { file: '.github/workflows/pr.yml', manager: 'custom.regex', datasource: 'github-releases', depName: 'aquasecurity/trivy', updateType: 'minor' };
    expect(resolved(trivy).groupName).toBe('trivy');
    expect(resolved({ ...action, depName: 'aquasecurity/trivy-action', updateType: 'minor' }).groupName).toBe('trivy');
    expect(resolved(trivy).minimumReleaseAge).toBe('3 days');
  });
});
