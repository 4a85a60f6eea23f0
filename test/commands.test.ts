import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { afterAll, describe, expect, test } from 'vitest';
import { parseApp, RESERVED_APP_NAMES } from '../lib/app-spec';
import { KUBERNETES_NAMESPACES, PLATFORM_NAMESPACES } from '../lib/platform-contracts';
import { closestName, parseSpec, SpecError } from '../lib/validation';
import { fixtureCluster } from './fixtures/cluster';
import { appFile, copyProject, readTree, render } from './helpers';

/*
 * Every command a user runs (`npm run <x>`) answers --help with its usage and exit 0, and refuses an
 * unknown flag with one line naming the command and the flag, exit 2. Plus the errors in the
 * project's words: did-you-mean, reserved app names, new-app's cross-app checks, bootstrap:gen's
 * build-aside, apply's kubeconfig and dist/ errors. The commands run against the tests' own (empty)
 * apps folder, so the user's apps/ never changes the result.
 */

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hobby-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const emptyApps = join(work, 'no-apps');
mkdirSync(emptyApps);

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}
function run(command: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? root,
      env: { ...process.env, HOBBY_APPS_DIR: emptyApps, CDK8S_OUTDIR: '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
/** `npm run <name> -- <args>`, without npm: the script's command line from package.json, then the args. */
const npmRun = (command: string, ...args: string[]) => ['sh', '-c', `${command} "$@"`, 'sh', ...args];
const script = (name: string, ...args: string[]) => [process.execPath, 'scripts/run.mjs', `scripts/${name}.ts`, ...args];

const scripts = Object.entries(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>);
/** Scripts that are third-party tools run as they are (vitest, tsc): their own --help and flags. */
const TOOLS: Record<string, RegExp> = { test: /^vitest /, 'test:cluster': /^vitest /, 'test:helm': /^vitest /, typecheck: /^tsc / };
const OURS = /^(node scripts\/run\.mjs \S+\.ts|node scripts\/\S+\.mjs|bash scripts\/\S+\.sh)$/;
const ours = scripts.filter(([name]) => !(name in TOOLS));

describe('every npm script', () => {
  test('is one of ours, or a third-party tool listed here', () => {
    for (const [name, command] of scripts) {
      if (name in TOOLS) expect(command, name).toMatch(TOOLS[name]!);
      else expect(command, name).toMatch(OURS);
    }
    expect(ours.length).toBeGreaterThanOrEqual(15);
  });

  test.concurrent.each(ours)('%s --help prints its usage and what it does, exit 0', async (name, command) => {
    const result = await run(npmRun(command, '--help'));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: npm run (-s )?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
    // A description after the usage line, not only the usage.
    expect(result.stdout.split('\n\n')[1]?.trim().length ?? 0, result.stdout).toBeGreaterThan(20);
    expect(result.stderr).not.toMatch(/unknown option/);
  });

  test.concurrent.each(ours)('%s --bogus is one line naming the flag, exit 2', async (name, command) => {
    const result = await run(npmRun(command, '--bogus'));
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^${name}: --bogus: got an unknown option, expected `));
  });
});

describe('errors in the project\'s words', () => {
  const schema = z.strictObject({ hosts: z.array(z.string()), replicas: z.number(), mode: z.enum(['fast', 'safe']).optional() });
  const problems = (input: unknown) => {
    try {
      parseSpec(schema, input, 'apps/x.ts');
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      return (error as SpecError).problems;
    }
    throw new Error('accepted');
  };

  test('no library phrasing: got, expected, in our words', () => {
    expect(problems({ hots: ['a'], replicas: 'two', mode: 'slow' })).toEqual([
      'hosts: got nothing, expected a list ([ ... ]) (this field is required)',
      'replicas: got "two", expected a number',
      'mode: got "slow", expected one of fast, safe',
      'hots: unknown field, did you mean `hosts`?',
    ]);
  });

  test('an unknown field with nothing close lists the allowed ones', () => {
    expect(problems({ hosts: [], replicas: 1, colour: 'red' })).toEqual(['colour: unknown field, expected one of hosts, replicas, mode']);
  });

  test('did you mean: edit distance and case, never a far-fetched guess', () => {
    expect(closestName('hots', ['hosts', 'image', 'port'])).toBe('hosts');
    expect(closestName('replica', ['replicas', 'resources'])).toBe('replicas');
    expect(closestName('adminCIDRs', ['adminCidrs', 'domain'])).toBe('adminCidrs');
    expect(closestName('colour', ['hosts', 'image'])).toBeUndefined();
    expect(closestName('db', ['database'])).toBeUndefined();
  });

  test('a misspelled app field names the file and suggests the field', () => {
    const spec = { image: 'ghcr.io/me/blog:1.0.0', port: 8080, hots: ['blog'] };
    expect(() => parseApp(appFile('blog', spec), fixtureCluster)).toThrow(/^apps\/blog\.ts: invalid declaration\n {2}- hots: unknown field, did you mean `hosts`\?$/);
  });

  test('a misspelled nested field gets its own suggestion', () => {
    const spec = { image: 'ghcr.io/me/blog:1.0.0', port: 8080, resources: { requets: { cpu: '100m' } } };
    expect(() => parseApp(appFile('blog', spec), fixtureCluster)).toThrow(/resources\.requets: unknown field, did you mean `requests`\?/);
  });
});

describe('reserved app names', () => {
  const spec = { image: 'ghcr.io/me/app:1.0.0', port: 8080 };
  test.each([...Object.values(PLATFORM_NAMESPACES), ...KUBERNETES_NAMESPACES, 'kube-anything'])('%s is refused', (name) => {
    expect(() => parseApp(appFile(name, spec), fixtureCluster)).toThrow(
      new RegExp(`^apps/${name}\\.ts: invalid declaration\\n {2}- file name: got "${name}", expected a name not used by a platform namespace`),
    );
  });

  test('every namespace the platform renders is reserved (the charts name them from the same list)', () => {
    const { objects } = render({ cluster: fixtureCluster, apps: [] });
    // No apps: every Namespace is the platform's (restore-drills carries an app label of its own, for the deploy policy).
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name!);
    expect(namespaces.length).toBeGreaterThanOrEqual(8);
    for (const name of namespaces) expect(RESERVED_APP_NAMES.has(name), name).toBe(true);
    // and each platform namespace in the list is one the charts render (the list has no stale names)
    expect([...namespaces].sort()).toEqual(Object.values(PLATFORM_NAMESPACES).sort());
  });
});

/** A scratch copy of the project with the tests' own config and one app, `one`, at host `taken`. */
function scratchRepo(): string {
  const dir = mkdtempSync(join(work, 'repo-'));
  copyProject(root, dir);
  rmSync(join(dir, 'apps'), { recursive: true });
  mkdirSync(join(dir, 'apps'));
  writeFileSync(join(dir, 'apps/one.ts'), "export default { image: 'ghcr.io/me/one:1.0.0', port: 8080, hosts: ['taken'] };\n");
  const fixture = readFileSync(join(root, 'test/fixtures/cluster.ts'), 'utf8').replace("'../../lib/config'", "'../lib/config'");
  writeFileSync(join(dir, 'config/cluster.ts'), `${fixture}\nexport const cluster = fixtureCluster;\n`);
  return dir;
}

describe('new-app applies synth\'s cross-app and platform checks before writing', () => {
  const dir = scratchRepo();
  const env = { HOBBY_APPS_DIR: join(dir, 'apps') };

  test.each([
    ['a host another app has', 'taken', /^new-app: apps\/two\.ts: invalid declaration\n {2}- hosts: got taken\.hobby-fixture\.dev, expected a host no other app claims \(apps\/one\.ts already does\)\n$/],
    ['the platform\'s status host', fixtureCluster.hosts.status, /^new-app: apps\/two\.ts: invalid declaration\n {2}- hosts: got status\.hobby-fixture\.dev, expected a host no other app claims \(the platform already does\)\n$/],
  ])('refuses %s and writes nothing', async (_, host, message) => {
    const before = readTree(join(dir, 'apps'));
    const result = await run(script('new-app', 'two', '--image', 'ghcr.io/me/two:1.0.0', '--host', host), { cwd: dir, env });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readTree(join(dir, 'apps'))).toEqual(before);
  });

  test('refuses a platform namespace as the name', async () => {
    const result = await run(script('new-app', 'tailscale', '--image', 'ghcr.io/me/ts:1.0.0'), { cwd: dir, env });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^new-app: <name>: got "tailscale", expected a name not used by a platform namespace/);
    expect(existsSync(join(dir, 'apps/tailscale.ts'))).toBe(false);
  });

  test('writes a free host', async () => {
    const result = await run(script('new-app', 'three', '--image', 'ghcr.io/me/three:1.0.0'), { cwd: dir, env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'apps/three.ts'), 'utf8')).toContain("hosts: ['three']");
  });
});

describe('bootstrap:gen builds aside and swaps in', () => {
  const gen = (...args: string[]) => run([process.execPath, join(root, 'scripts/gen-civo.mjs'), ...args]);
  const siblings = (dir: string) => readdirSync(join(dir, '..')).filter((n) => n.includes('-next-') || n.includes('-previous-'));

  test('a failure leaves the output folder exactly as it was', async () => {
    const parent = mkdtempSync(join(work, 'gen-fail-'));
    const out = join(parent, 'gen');
    mkdirSync(join(out, 'providers', 'civo'), { recursive: true });
    writeFileSync(join(out, 'providers', 'civo', 'index.ts'), '// committed bindings\n');
    const badSchema = join(parent, 'schema.json');
    writeFileSync(badSchema, '{"provider_schemas": {}}');
    const result = await gen('--schema', badSchema, '--out', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^bootstrap:gen: .*schema\.json: provider_schemas: got no "registry\.terraform\.io\/civo\/civo"/);
    expect(result.stderr).toMatch(/was left unchanged/);
    expect(readTree(out)).toEqual(new Map([['providers/civo/index.ts', '// committed bindings\n']]));
    expect(siblings(out)).toEqual([]);
  });

  test('a success replaces the folder whole: stale files go, nothing is left beside it', async () => {
    const parent = mkdtempSync(join(work, 'gen-ok-'));
    const out = join(parent, 'gen');
    mkdirSync(join(out, 'providers', 'civo', 'dropped-resource'), { recursive: true });
    writeFileSync(join(out, 'providers', 'civo', 'dropped-resource', 'index.ts'), '// stale\n');
    const result = await gen('--out', out);
    expect(result.status, result.stderr).toBe(0);
    const files = readTree(out);
    expect(files.has('providers/civo/dropped-resource/index.ts')).toBe(false);
    expect(files.get('providers/civo/index.ts')).toBe(readFileSync(join(root, 'bootstrap/.gen/providers/civo/index.ts'), 'utf8'));
    expect(siblings(out)).toEqual([]);
  });
});

describe('apply names what is wrong in one line', () => {
  const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
  test('a KUBECONFIG file that does not exist', async () => {
    const dist = mkdtempSync(join(work, 'dist-'));
    mkdirSync(join(dist, '01-prerequisites'));
    writeFileSync(join(dist, '01-prerequisites', 'a.yaml'), namespace('once'));
    const missing = join(work, 'nonexistent-kubeconfig');
    const result = await run(script('apply', '--dist', dist), { env: { KUBECONFIG: missing } });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toBe(`apply: KUBECONFIG: got ${missing}, which does not exist, expected the path of the cluster's kubeconfig file\n`);
  });

  test('--plan with a dist/ the plan cannot be built from: no stack trace', async () => {
    const dist = mkdtempSync(join(work, 'dist-'));
    mkdirSync(join(dist, '01-prerequisites'));
    writeFileSync(join(dist, '01-prerequisites', 'a.yaml'), namespace('twice'));
    writeFileSync(join(dist, '01-prerequisites', 'b.yaml'), namespace('twice'));
    const result = await run(script('apply', '--plan', '--dist', dist));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(/^apply: .*: \/Namespace\/\/twice is rendered twice: 01-prerequisites\/a\.yaml and 01-prerequisites\/b\.yaml/);
  });
});
