import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_VERSIONS } from '../../config/versions';
import { controlPlaneBinaries, kubernetesVersionOf } from '../../lib/delivery/control-plane';
import { upgradeTarget } from '../../lib/delivery/upgrade-target';
import type { Manifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { fixtureCluster } from '../fixtures/cluster';
import { REPO } from './harness';

/*
 * `npm run check-upgrade` against the real kube-apiserver of the minor after the tests' cluster
 * (built by scripts/build-control-plane.sh, the same cached build the command uses; the first run
 * on a machine pays for it here, in beforeAll) and of the pinned one, on a dist/ of the test's own
 * with planted objects: an API version Kubernetes no longer serves, an API the next minor
 * deprecates, and a workload whose pods its namespace's Pod Security refuses.
 */

const pinned = kubernetesVersionOf(fixtureCluster);
const next = upgradeTarget('next', pinned);
let dist: string;
let helm: string | undefined;

const namespace: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
const container = { name: 'app', image: 'docker.io/library/busybox:1.37.0-musl', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } } };
const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };
const deployment = (name: string, securityContext?: object): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'demo' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ ...container, securityContext }] } } },
} as Manifest);
// Removed in 1.32 (flowcontrol.apiserver.k8s.io/v1 since 1.29).
const flowSchema = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', metadata: { name: 'demo' }, spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 5000 } } as Manifest;
// Deprecated in 1.33 (KEP-4974): the API server warns, 1.32 did not.
const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'demo', namespace: 'demo' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] } as Manifest;

function writeDist(objects: Manifest[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-upgrade-'));
  mkdirSync(join(dir, '01-prerequisites'));
  mkdirSync(join(dir, '04-apps'));
  writeFileSync(join(dir, '01-prerequisites/demo.yaml'), toYaml(namespace));
  writeFileSync(join(dir, '04-apps/demo.yaml'), objects.map((o) => toYaml(o)).join('---\n'));
  return dir;
}

const checkUpgrade = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/check-upgrade.ts', ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...(helm ? { HELM: helm } : {}) } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

beforeAll(() => {
  expect(next).toMatch(/^1\.33\.\d+$/);
  // The same cached build the command runs (scripts/build-control-plane.sh); minutes the first time.
  controlPlaneBinaries(next, REPO);
  controlPlaneBinaries(pinned, REPO);
  dist = writeDist([deployment('web', restricted), deployment('root'), endpoints, flowSchema]);
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe(`npm run check-upgrade (kube-apiserver ${next}, the minor after the pinned ${pinned})`, () => {
  it('reports, per object, what the next minor refuses and warns about, and exits 1', () => {
    const { status, stdout, stderr } = checkUpgrade('--to', next, '--dist', dist);
    expect(stdout).toContain(`### Upgrade check: kube-apiserver v${next}`);
    expect(stdout).toContain('- ❌ refused: `FlowSchema demo`: FlowSchema flowcontrol.apiserver.k8s.io/v1beta3 is not served by this API server');
    expect(stdout).toMatch(/- ❌ refused: `the pods of Deployment demo\/root`: pods "root-admission-check" is forbidden: violates PodSecurity "restricted:latest"/);
    expect(stdout).toContain('- ⚠️ `Endpoints demo/demo`:\n  - v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
    // The compliant workload and its pods pass without a word.
    expect(stdout).not.toMatch(/demo\/web/);
    expect(stderr).toContain(`check-upgrade: kube-apiserver v${next} refuses 2 object(s)`);
    expect(status).toBe(1);
  });

  it('the deprecation is the next minor\'s: the pinned version accepts Endpoints without a warning; a clean dist/ exits 0', () => {
    const clean = writeDist([deployment('web', restricted), endpoints]);
    try {
      const before = checkUpgrade('--to', pinned, '--dist', clean);
      expect(before.stdout).toContain(`kube-apiserver v${pinned}`);
      expect(before.stdout).toMatch(/✅ the API server accepts all \d+ objects, without a warning/);
      expect(before.status).toBe(0);
      const after = checkUpgrade('--to', next, '--dist', clean);
      expect(after.stdout).toContain('v1 Endpoints is deprecated in v1.33+');
      expect(after.status, after.stderr).toBe(0); // a warning is reported, not a refusal
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it('checks the objects and pods the charts render too (the project\'s fixture chart, rendered by a real helm for the target version)', () => {
    // helm as test:helm builds it (scripts/build-helm.sh, cached per version).
    helm = execFileSync('bash', [join(REPO, 'scripts/build-helm.sh'), HELM_VERSIONS.v3], { encoding: 'utf8' }).trim().split('\n').pop()!;
    const release = { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name: 'demo', namespace: 'kube-system' }, spec: { repo: 'https://charts.example.invalid', chart: 'demo', version: '1.1.0', targetNamespace: 'demo', valuesContent: '{}' } } as Manifest;
    const withChart = writeDist([release]);
    try {
      const { status, stdout } = checkUpgrade('--to', next, '--dist', withChart, '--charts', join(REPO, 'test/fixtures/charts'));
      // The fixture chart's Deployment sets no securityContext: restricted refuses its pods.
      expect(stdout).toMatch(/- ❌ refused: `the pods of Deployment demo\/demo \(chart demo 1\.1\.0\)`: pods "demo-admission-check" is forbidden: violates PodSecurity/);
      expect(stdout).toMatch(/- ⚠️ `Deployment demo\/demo \(chart demo 1\.1\.0\)`:\n  - would violate PodSecurity "restricted:latest"/);
      expect(status).toBe(1);
    } finally {
      rmSync(withChart, { recursive: true, force: true });
    }
  });

  it('answers --help, and refuses a target it cannot build in one line', () => {
    expect(checkUpgrade('--help').stdout).toContain('usage: npm run check-upgrade -- --to <next|cluster|1.33|1.33.13>');
    const bad = checkUpgrade('--to', '1.99', '--dist', dist);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^check-upgrade: --to: got 1\.99, which has no pinned patch release, expected next, cluster, a minor/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
