import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffDist, readDistDir } from '../../lib/delivery/diff';
import { fixtureApps } from '../fixtures/apps';
import { applyAsDeployer, copyDist, editDistFile, output, removeDir, renderDist, runKubectl, startWithDist, stopWithDist, type TestCluster } from './harness';

/*
 * Traefik's CRDs move with its chart (lib/constructs/chart-crds.ts): they are dist/ objects of
 * phase 01, so the deploy identity's apply upgrades them, where helm (helm-controller's `helm
 * upgrade`) never would. A chart bump that adds a field to a CRD (the Middleware CRD here, as
 * traefik 41.3.0 did to 41.2.0's) shows in the rendered diff, is applied, and the API server then
 * accepts the field it refused (and would have dropped) before.
 */

let cluster: TestCluster | undefined;
let dist: string | undefined;
beforeAll(async () => {
  ({ cluster, dist } = await startWithDist(renderDist(fixtureApps)));
});
afterAll(async () => {
  await stopWithDist(cluster, dist);
  if (base) removeDir(base);
});
let base: string | undefined;

const FILE = '01-prerequisites/traefik.yaml';
const CRD = 'middlewares.traefik.io';
const middleware = (spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'crd-upgrade', namespace: 'traefik' }, spec });
/** The new chart version's field: a Middleware kind the old CRD does not know. */
const bumped = { hobbyInfraCompress: { type: 'object', properties: { level: { type: 'integer', minimum: 1, maximum: 9 } } } };

describe('a chart bump that changes a CRD', () => {
  it('is applied by the deploy identity, and the field the new CRD adds is accepted', async () => {
    const first = await applyAsDeployer(cluster!, dist!, []);
    expect(first.status, output(first)).toBe(0);
    const served = () => JSON.parse(cluster!.kubectl(['get', 'crd', CRD, '-o', 'json'])).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(served()).not.toHaveProperty('hobbyInfraCompress');
    // The old CRD: strict field validation refuses the field (a plain apply would silently prune it).
    const before = () => runKubectl(cluster!.env, ['apply', '--server-side', '--field-manager=test', '--validate=strict', '--dry-run=server', '-f', '-'], middleware({ hobbyInfraCompress: { level: 5 } }));
    expect(before).toThrow(/\.spec\.hobbyInfraCompress: field not declared in schema/);

    // The bump: the next version's CRD has the field (what `npm run import` + synth write into dist/).
    base = copyDist(dist!);
    editDistFile(dist!, FILE, (docs) =>
      docs.map((d) => {
        if (d.kind !== 'CustomResourceDefinition' || d.metadata.name !== CRD) return d;
        for (const v of d.spec.versions) Object.assign(v.schema.openAPIV3Schema.properties.spec.properties, bumped);
        return d;
      }),
    );
    // The rendered diff shows it, as a change of the CRD object in phase 01.
    const diff = diffDist(readDistDir(base), readDistDir(dist!));
    const changed = diff.changed.find((c) => c.after.manifest.kind === 'CustomResourceDefinition' && c.after.manifest.metadata.name === CRD);
    expect(changed?.after.file).toBe(FILE);
    expect(changed?.fields.map((f) => f.path).join('\n')).toContain('hobbyInfraCompress');
    expect(diff.changed.map((c) => c.after.manifest.metadata.name)).toEqual([CRD]);

    const second = await applyAsDeployer(cluster!, dist!, []);
    expect(second.status, output(second)).toBe(0);
    expect(served()).toHaveProperty('hobbyInfraCompress');
    runKubectl(cluster!.env, ['apply', '--server-side', '--field-manager=test', '--validate=strict', '-f', '-'], middleware({ hobbyInfraCompress: { level: 5 } }));
    expect(JSON.parse(cluster!.kubectl(['-n', 'traefik', 'get', 'middleware', 'crd-upgrade', '-o', 'json'])).spec).toEqual({ hobbyInfraCompress: { level: 5 } });
    // ... and validated by the new schema.
    expect(() => runKubectl(cluster!.env, ['apply', '--server-side', '--field-manager=test', '--dry-run=server', '-f', '-'], middleware({ hobbyInfraCompress: { level: 12 } }))).toThrow(/should be less than or equal to 9/);
  });
});
