import { describe, expect, it } from 'vitest';
import { KUBERNETES_RELEASES } from '../config/kubernetes-releases';
import { readKubectlStderr, upgradeReport } from '../lib/delivery/upgrade-check';
import { upgradeTarget } from '../lib/delivery/upgrade-target';

/* `npm run check-upgrade -- --to …`: which API server it builds, and how kubectl's words are read (the real run is test/cluster/check-upgrade.test.ts). */

describe('upgradeTarget', () => {
  const releases = { '1.33': '1.33.13', '1.34': '1.34.4' };
  it('names the exact version it builds: next, cluster, a pinned minor, or an exact version', () => {
    expect(upgradeTarget('next', '1.32.5', releases)).toBe('1.33.13');
    expect(upgradeTarget('next', '1.33.2', releases)).toBe('1.34.4');
    expect(upgradeTarget('cluster', '1.32.5', releases)).toBe('1.32.5');
    expect(upgradeTarget('1.32', '1.32.5', releases)).toBe('1.32.5');
    expect(upgradeTarget('1.34', '1.32.5', releases)).toBe('1.34.4');
    expect(upgradeTarget('v1.35.4', '1.32.5', releases)).toBe('1.35.4');
  });
  it('refuses what it cannot build, in the project\'s words', () => {
    expect(() => upgradeTarget('1.40', '1.32.5', releases)).toThrow(/^--to: got 1\.40, which has no pinned patch release, expected next, cluster, a minor with a pinned patch in config\/kubernetes-releases\.ts \(1\.33, 1\.34; the cluster's 1\.32\)/);
    expect(() => upgradeTarget('next', '1.34.1', releases)).toThrow(/^--to: got next \(1\.35\), which has no pinned patch release/);
    expect(() => upgradeTarget('latest', '1.32.5', releases)).toThrow(/^--to: got latest, expected /);
  });
  it('pins the minor after the cluster\'s (one extra kube-apiserver build in CI, not more)', () => {
    expect(Object.keys(KUBERNETES_RELEASES)).toHaveLength(1);
    for (const [minor, version] of Object.entries(KUBERNETES_RELEASES)) expect(version.startsWith(`${minor}.`), minor).toBe(true);
  });
});

describe('reading kubectl', () => {
  it('splits the server\'s warnings from its refusal', () => {
    const stderr = 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\nError from server (Forbidden): error when creating "STDIN": pods "x" is forbidden: violates PodSecurity\n';
    expect(readKubectlStderr(stderr)).toEqual({ warnings: ['v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice'], error: 'pods "x" is forbidden: violates PodSecurity' });
    expect(readKubectlStderr('')).toEqual({ warnings: [], error: undefined });
  });
  it('reports refusals first, then warnings, and says so when all is clean', () => {
    expect(upgradeReport('v1.33.13', [{ object: 'Namespace a', warnings: [] }])).toContain('✅ the API server accepts all 1 objects, without a warning');
    const report = upgradeReport('v1.33.13', [{ object: 'Endpoints a/b', warnings: ['deprecated'] }, { object: 'FlowSchema x', refused: 'not served', warnings: [] }]);
    expect(report.split('\n').slice(2)).toEqual(['- ❌ 2 objects: 1 refused, 1 accepted with warnings', '- ❌ refused: `FlowSchema x`: not served', '- ⚠️ `Endpoints a/b`:', '  - deprecated', '']);
  });
});
