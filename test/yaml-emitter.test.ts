import { describe, expect, test } from 'vitest';
import { fixtureApps as appSources } from './fixtures/apps';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { buildPlatform } from '../platform';
import { collectManifests, tidyManifest } from '../lib/render';
import { toYaml, toYamlWithLibrary } from '../lib/yaml';
import { benchAppSpec } from '../scripts/bench/apps';
import { unusualAppSources } from './fixtures/app-corpus';
import { appFile } from './helpers';

/*
 * toYaml writes most documents with the dedicated emitter (lib/yaml-emitter.ts) and the rest with
 * the yaml library. Either way the bytes must be the library's: these compare the two on every
 * object synth renders and on random documents made of the strings YAML readers disagree about.
 * (`npm run bench` checks the same on its 1000-app output.)
 */

const manifestsOf = (sources: Parameters<typeof buildPlatform>[0]['appSources']) =>
  collectManifests(buildPlatform({ cluster, appSources: sources }).app).flatMap(({ manifests }) => manifests.map(tidyManifest));

describe('toYaml is byte-identical to the yaml library', () => {
  const corpora = {
    'the platform and the fixture apps': manifestsOf(appSources),
    'the unusual app corpus': manifestsOf(unusualAppSources),
    'generated bench apps, every shape': manifestsOf(Array.from({ length: 8 }, (_, i) => appFile(`app-${i}`, benchAppSpec(i)))),
  };
  test.each(Object.entries(corpora))('on every object of %s', (_, manifests) => {
    expect(manifests.length).toBeGreaterThan(20);
    for (const m of manifests) expect(toYaml(m), `${m.kind} ${m.metadata.name}`).toBe(toYamlWithLibrary(m));
  });

  test('the emitter, not the fallback, writes every object without multi-line strings (HelmCharts\' values, the drills\' scripts)', async () => {
    const { createEmitter } = await import('../lib/yaml-emitter');
    const { WRITER_OPTIONS } = await import('../lib/yaml');
    const emitter = createEmitter(WRITER_OPTIONS);
    for (const m of Object.values(corpora).flat()) {
      if (m.kind === 'HelmChart' || JSON.stringify(m).includes('\\n')) continue;
      expect(emitter.emit(m), `${m.kind} ${m.metadata.name}`).toBe(toYamlWithLibrary(m));
    }
  });

  test('on 4000 random documents of awkward keys and values', async () => {
    const { createEmitter } = await import('../lib/yaml-emitter');
    const { WRITER_OPTIONS } = await import('../lib/yaml');
    const emitter = createEmitter(WRITER_OPTIONS);
    // A small deterministic PRNG (mulberry32), so a failure is reproducible.
    let seed = 13;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const awkward = [
      'on', 'Off', 'YES', 'n', 'y', 'true', 'False', 'null', 'NULL', '~', '', ' ', '1_000', '017', '0o17', '-0o17', '+0o1_7', '0x1F', '0b101', '1e3', '1.', '.5', '+1', '-1', '.inf', '-.Inf',
      '.NaN', '12:30', '190:20:30', '2001-12-14', '2001-12-14 21:59:43.10', '<<', '=', '123', '0', '-', '?', '- a', '? a', ': a', 'a: b', 'a:b', 'a #b', 'a#b', '#a', 'a:', 'a ', ' a',
      '@a', '`a', '%a', '&a', '*a', '!a', '|a', '>a', "'a", '"a', "it's", 'say "hi"', `'"`, 'back\\slash', '[a]', '{a}', 'a,b', 'a[b]', '---', '--- a', '...', '...a', '---a', 'a---',
      'ghcr.io/me/app:1.0.0', '500m', '1.5Gi', 'app.kubernetes.io/name', 0, 1, -1, 8080, true, false, null,
    ];
    // Values the emitter leaves to the library: rarer, so that many documents take each path.
    const beyond = ['tab\there', 'new\nline', 'trailing\n', '\nleading', 'ctrl\u0001', 'nel\u0085', 'é', 'snow☃man', 'x'.repeat(1100), 2 ** 53, 1.5, -0, NaN, Infinity, 1e21, undefined];
    const pickScalar = () => (random() < 0.03 ? pick(beyond) : pick(awkward));
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.45) return pickScalar();
      if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [String(pickScalar()), value(depth + 1)]));
    };
    let documents = 0;
    let emitted = 0;
    for (let i = 0; i < 4000; i++) {
      const doc = random() < 0.5 ? Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 5) }, () => [String(pick(awkward)), value(1)])) : value(0);
      if (typeof doc !== 'object' || doc === null) continue;
      const expected = toYamlWithLibrary(doc);
      const fast = emitter.emit(doc);
      if (fast !== undefined) emitted++;
      expect(fast ?? expected, JSON.stringify(doc)).toBe(expected);
      expect(toYaml(doc)).toBe(expected);
      documents++;
    }
    // Both paths are exercised: the emitter writes many of them, and gives up on the others.
    expect(documents).toBeGreaterThan(3000);
    expect(emitted).toBeGreaterThan(1000);
    expect(documents - emitted).toBeGreaterThan(500);
  });
});
