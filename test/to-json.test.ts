import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { fixtureApps as appSources } from './fixtures/apps';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { buildPlatform } from '../platform';
import { withDirectToJson } from '../lib/to-json';
import { benchAppSpec } from '../scripts/bench/apps';
import { unusualAppSources } from './fixtures/app-corpus';
import { appFile } from './helpers';

/*
 * lib/to-json.ts replaces cdk8s' generic resolve for synth's objects. It must give exactly what
 * cdk8s' own ApiObject.toJson() gives (values and key order) on every object synth renders, and
 * leave to cdk8s what it does not cover.
 */

const objectsOf = (app: App) => app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
const both = (app: App, o: ApiObject) => ({ cdk8s: JSON.stringify(o.toJson()), direct: JSON.stringify(withDirectToJson(app, () => o.toJson())) });

describe('the direct toJson equals cdk8s own, key order included', () => {
  const corpora = {
    'the platform and the fixture apps': appSources,
    'the unusual app corpus': unusualAppSources,
    'generated bench apps': Array.from({ length: 8 }, (_, i) => appFile(`app-${i}`, benchAppSpec(i))),
  };
  test.each(Object.entries(corpora))('on every object of %s', (_, sources) => {
    const { app } = buildPlatform({ cluster, appSources: sources });
    const objects = objectsOf(app);
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) {
      const { cdk8s, direct } = both(app, o);
      expect(direct, o.node.path).toBe(cdk8s);
    }
  });

  test('tokens, lazies, empty metadata and patches', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const token = { resolve: () => ({ b: Lazy.any({ produce: () => [1, undefined, null, { z: 1, a: '' }] }) }) };
    const union = new (class Quantity { constructor(readonly value: string) {} })('1Gi');
    const plain = new ApiObject(chart, 'plain', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: {}, finalizers: [] }, data: { z: token, a: union, e: {}, l: [] } as any });
    const patched = new ApiObject(chart, 'patched', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } });
    patched.addJsonPatch(JsonPatch.add('/data', { k: 'v' }));
    for (const o of [plain, patched]) {
      const { cdk8s, direct } = both(app, o);
      expect(direct).toBe(cdk8s);
    }
    expect(JSON.parse(both(app, patched).direct).data).toEqual({ k: 'v' });
  });

  test("an object cdk8s cannot render fails with cdk8s' own error", () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const odd = new ApiObject(chart, 'odd', { apiVersion: 'v1', kind: 'ConfigMap', data: { when: new Date(0) } as any });
    expect(() => withDirectToJson(app, () => odd.toJson())).toThrow(/Failed serializing construct at path 'c\/odd'.*non-simple object of type 'Date'/);
    const badPatch = new ApiObject(chart, 'bad-patch', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } });
    badPatch.addJsonPatch(JsonPatch.remove('/data/missing'));
    expect(() => withDirectToJson(app, () => badPatch.toJson())).toThrow(/Failed serializing construct at path 'c\/bad-patch'/);
  });
});
