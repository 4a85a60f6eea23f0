import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { parseApp } from '../../lib/spec/app';
import { processesOf } from '../../lib/spec/types';
import { fixtureCluster } from '../fixtures/cluster';
import { exampleSources } from '../fixtures/examples';
import { renderDistInto } from './harness';

/*
 * The PR workflow's config scan, run here with the real Trivy: built from its Go module at the
 * release pr.yml pins (scripts/build-trivy.sh, cached outside the repository), with the checks
 * compiled into it, this repository's trivy.yaml (HIGH and CRITICAL fail) and its allow-list
 * (.trivyignore.yaml), over a dist/ rendered from every example in examples/. What synth renders
 * must pass the scan the PR runs, or a user's first PR fails for our reasons.
 */

const root = resolve(import.meta.dirname, '../..');
const pr = readFileSync(join(root, '.github/workflows/pr.yml'), 'utf8');
const version = /uses: aquasecurity\/trivy-action@[0-9a-f]{40} # v[0-9.]+\n\s+with:\n\s+version: (v\S+)/.exec(pr)![1]!;
const scratch = mkdtempSync(join(tmpdir(), 'hobby-infra-trivy-'));
let trivy: string;
let missingGo: string | undefined;

type Finding = { file: string; id: string; severity: string; title: string };
/** `trivy config` over `dir` as pr.yml runs it: its exit code and what it reported. */
async function scan(dir: string, ignorefile?: string): Promise<{ exitCode: number; findings: Finding[] }> {
  const args = ['config', '--config', 'trivy.yaml', ...(ignorefile ? ['--ignorefile', ignorefile] : []), '--skip-check-update', '--cache-dir', join(scratch, 'cache'), '--format', 'json', '--quiet', dir];
  const run = await promisify(execFile)(trivy, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }).then(
    (r) => ({ exitCode: 0, stdout: r.stdout }),
    (e: { code?: number; stdout?: string; stderr?: string }) => {
      if (typeof e.code !== 'number' || !e.stdout) throw new Error(`trivy ${args.join(' ')} failed: ${String(e.stderr).trim()}`);
      return { exitCode: e.code, stdout: e.stdout };
    },
  );
  const results = (JSON.parse(run.stdout).Results ?? []) as { Target: string; Misconfigurations?: { ID: string; Severity: string; Title: string }[] }[];
  return { exitCode: run.exitCode, findings: results.flatMap((r) => (r.Misconfigurations ?? []).map((m) => ({ file: r.Target, id: m.ID, severity: m.Severity, title: m.Title }))) };
}

beforeAll(async () => {
  try {
    const { stdout } = await promisify(execFile)('nice', ['-n', '10', 'bash', join(root, 'scripts/build-trivy.sh'), version], { encoding: 'utf8', timeout: 45 * 60_000, maxBuffer: 64 << 20 });
    trivy = stdout.trim().split('\n').pop()!;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: unknown };
    if (code === 3 && !process.env.CI) return void (missingGo = String(stderr).trim());
    throw new Error(`scripts/build-trivy.sh failed: ${String(stderr ?? (error as Error).message).trim().split('\n').pop()}`);
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe(`Trivy ${version} (pr.yml's) on the rendered manifests`, () => {
  test('the platform and every example app, as synth renders them, pass at trivy.yaml\'s threshold', async (ctx) => {
    if (missingGo) return ctx.skip(missingGo);
    const dir = join(scratch, 'every-example');
    renderDistInto(join(dir, 'dist'), exampleSources);
    const { exitCode, findings } = await scan(dir);
    expect(findings).toEqual([]);
    expect(exitCode).toBe(0);

    // Without the allow-list: what it accepts is exactly the apps' declared opt-outs of a read-only root.
    const none = join(scratch, 'no-allow-list.yaml');
    writeFileSync(none, 'misconfigurations: []\n');
    const bare = await scan(dir, none);
    const optedOut = exampleSources.map((s) => parseApp(s, fixtureCluster)).filter((a) => processesOf(a).some((p) => p.insecure?.writableRootFilesystem)).map((a) => a.name);
    expect(optedOut.length).toBeGreaterThan(0);
    expect(bare.findings.filter((f) => f.id !== 'KSV-0014')).toEqual([]);
    expect([...new Set(bare.findings.map((f) => /app-([a-z0-9-]+)\.yaml$/.exec(f.file)?.[1]))].sort()).toEqual(optedOut.sort());
  });

  test('a privileged Deployment fails the scan, named with its file; an allow-list entry holds only in the files it names', async (ctx) => {
    if (missingGo) return ctx.skip(missingGo);
    const dir = join(scratch, 'planted');
    mkdirSync(join(dir, 'dist/04-apps'), { recursive: true });
    mkdirSync(join(dir, 'charts'), { recursive: true });
    const pod = { containers: [{ name: 'app', image: 'ghcr.io/me/app:1.0.0', securityContext: { privileged: true } }] };
    writeFileSync(join(dir, 'dist/04-apps/app-planted.yaml'), stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'planted', namespace: 'planted' }, spec: { selector: { matchLabels: { app: 'planted' } }, template: { metadata: { labels: { app: 'planted' } }, spec: pod } } }));
    // A ClusterRole that manages Secrets: accepted (KSV-0041) in cert-manager's output, not elsewhere.
    const secretsRole = stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] }] });
    writeFileSync(join(dir, 'charts/cert-manager.yaml'), secretsRole);
    writeFileSync(join(dir, 'charts/something-else.yaml'), secretsRole);
    const { exitCode, findings } = await scan(dir);
    expect(exitCode).toBe(1);
    expect(findings).toContainEqual(expect.objectContaining({ file: 'dist/04-apps/app-planted.yaml', severity: 'HIGH', title: expect.stringMatching(/privileged/i) }));
    expect(findings).toContainEqual(expect.objectContaining({ file: 'charts/something-else.yaml', id: 'KSV-0041' }));
    expect(findings.filter((f) => f.file === 'charts/cert-manager.yaml')).toEqual([]);
    expect(findings.every((f) => ['HIGH', 'CRITICAL'].includes(f.severity))).toBe(true);
  });
});
