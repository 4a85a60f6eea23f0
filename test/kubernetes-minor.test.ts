import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_AUTOSCALER_RELEASES } from '../config/versions';
import { CIVO_KUBERNETES_VERSIONS } from '../lib/civo';

/*
 * What is pinned to the cluster's Kubernetes minor moves with the versions Civo offers (lib/civo.ts,
 * the only versions config/cluster.ts accepts): adding a minor there fails here until each of these
 * has been decided for it.
 */

const root = resolve(import.meta.dirname, '..');
const minorOf = (version: string) => Number(/^1\.(\d+)\./.exec(version)![1]);
const offered = [...new Set(CIVO_KUBERNETES_VERSIONS.map(minorOf))].sort((a, b) => a - b);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

describe("what follows the cluster's Kubernetes minor", () => {
  it('cdk8s-plus renders for the oldest minor offered (its objects are then valid on every newer one), and is the only cdk8s-plus', () => {
    const plus = Object.keys(pkg.dependencies).filter((d) => /^cdk8s-plus-\d+$/.test(d));
    expect(plus).toEqual([`cdk8s-plus-${offered[0]}`]);
  });

  it('a cluster-autoscaler release is pinned for every minor offered (upstream supports each only with its own minor)', () => {
    for (const minor of offered) expect(CLUSTER_AUTOSCALER_RELEASES[`1.${minor}`], `1.${minor}`).toMatch(new RegExp(`^v1\\.${minor}\\.\\d+$`));
  });

  it("Renovate keeps the restore drills' kubectl within one minor of every cluster offered", () => {
    const renovate = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')) as { packageRules: { matchPackageNames?: string[]; allowedVersions?: string }[] };
    const kubectl = renovate.packageRules.find((r) => r.matchPackageNames?.includes('registry.k8s.io/kubectl'));
    expect(kubectl?.allowedVersions).toBe(`<1.${offered.at(-1)! + 1}.0`);
  });
});
