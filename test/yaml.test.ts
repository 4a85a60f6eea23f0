import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { fixtureApps as appSources } from './fixtures/apps';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { buildPlatform } from '../platform';
import { collectManifests, renderFiles, tidyManifest } from '../lib/render';
import { toYaml } from '../lib/yaml';
import { unusualAppSources } from './fixtures/app-corpus';
import { LONE_SURROGATES, yamlStringCorpus } from './fixtures/yaml-strings';

/*
 * kubectl and Helm read YAML with go-yaml v2, a YAML 1.1 reader. These tests parse what the writer
 * produces with the yaml package's real YAML 1.1 mode (which decodes on/yes/y, 1_000, 017, 0b1,
 * sexagesimal and timestamps) and its YAML 1.2 core mode (0o17), and compare with what was meant.
 */
const read11 = (text: string) => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
const read12 = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe('the YAML writer', () => {
  // Strings each reader would otherwise decode as something else (go-yaml v2 resolve.go's table and forms).
  const ambiguous = ['on', 'On', 'ON', 'off', 'yes', 'no', 'y', 'Y', 'n', 'N', 'true', 'False', 'null', 'Null', '~', '', '1_000', '017', '0o17', '-0o17', '+0o1_7', '0x1F', '0b101', '-0b1', '1e3', '1.', '.5', '+1', '.inf', '-.Inf', '.NaN', '12:30', '190:20:30', '2001-12-14', '2001-12-14 21:59:43.10', '<<', '123'];

  test.each(ambiguous)('%j stays a string, as a value and as a key, in YAML 1.1 and 1.2', (text) => {
    const value = { value: text, list: [text], [text]: 'key' };
    const written = toYaml(value);
    expect(read11(written)[0]).toEqual(value);
    expect(read12(written)[0]).toEqual(value);
  });

  test('go-yaml v2 extras no schema knows are quoted: signed 0o octals and the merge key', () => {
    // strconv.ParseInt(s, 0, 64), which go-yaml v2 calls on plain scalars, accepts a sign before 0o.
    expect(toYaml(['-0o17', '<<'])).toBe('- "-0o17"\n- "<<"\n');
  });

  test('go-yaml v2 readings no YAML schema knows are quoted: 0X, 0B and 0O prefixes, `_` anywhere, signed binaries, short dates', () => {
    // resolve.go strips every `_`, then calls strconv.ParseInt(s, 0, 64); test/cluster/yaml-oracle.test.ts asks go-yaml itself.
    expect(toYaml(['0X10', '0B1', '0O17', '1e1_0', '+_1', '0b-1', '2024-1-2', '2024-01-02t10:00:00Z'])).toBe(
      '- "0X10"\n- "0B1"\n- "0O17"\n- "1e1_0"\n- "+_1"\n- "0b-1"\n- "2024-1-2"\n- "2024-01-02t10:00:00Z"\n',
    );
  });

  test('characters go-yaml v2 refuses or reads as line breaks are escaped in one double-quoted line', () => {
    expect(toYaml({ a: 'x\u2028y', b: 'del\x7f', c: 'nel\x85', d: '\ufeffbom', e: 'crlf\r\nend', f: ' \nindented', g: 'snow☃man 😀' })).toBe(
      'a: "x\\u2028y"\nb: "del\\x7f"\nc: "nel\\x85"\nd: "\\ufeffbom"\ne: "crlf\\r\\nend"\nf: " \\nindented"\ng: snow☃man 😀\n',
    );
  });

  test('a lone surrogate is refused rather than written as another string', () => {
    for (const s of LONE_SURROGATES) expect(() => toYaml({ value: s }), JSON.stringify(s)).toThrow(/lone surrogate/);
  });

  test('the generated corpus of strings reads back unchanged in YAML 1.1 and 1.2, as values, keys and list items', () => {
    const corpus = yamlStringCorpus();
    expect(corpus.length).toBeGreaterThan(2500);
    for (const s of corpus) {
      const value = { value: s, list: [s], keys: { [s]: 'key' } };
      const written = toYaml(value);
      expect(read11(written)[0], JSON.stringify(s)).toEqual(value);
      expect(read12(written)[0], JSON.stringify(s)).toEqual(value);
    }
  });

  test('ordinary strings, numbers and booleans stay plain, so dist/ stays readable', () => {
    expect(toYaml({ a: 'hello', b: '1.5Gi', c: '0.1.0', d: 8080, e: true, f: null, g: 'ghcr.io/me/app:1.0.0' })).toBe(
      'a: hello\nb: 1.5Gi\nc: 0.1.0\nd: 8080\ne: true\nf: null\ng: ghcr.io/me/app:1.0.0\n',
    );
  });
});

describe('all of dist/, read by a YAML 1.1 reader, is exactly the objects synth meant', () => {
  // The committed apps (what dist/ holds) and, separately, the unusual corpus (it has its own apex app).
  const builds = [appSources, unusualAppSources].map((sources) => buildPlatform({ cluster, appSources: sources }).app);
  // What synth means to write: the manifests, without the API-default fields it leaves out.
  const intended = builds.flatMap((app) => collectManifests(app).flatMap(({ manifests }) => manifests.map(tidyManifest)));
  const read = builds.flatMap((app) => [...renderFiles(app).values()].flatMap((text) => read11(text)));

  test('every object, field for field (committed apps plus the unusual corpus)', () => {
    const byId = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const sort = (list: any[]) => [...list].sort((a, b) => byId(a).localeCompare(byId(b)));
    expect(sort(read)).toEqual(sort(JSON.parse(JSON.stringify(intended))));
  });

  test('HelmChart values read the same in YAML 1.1 as in YAML 1.2', () => {
    const charts = read.filter((o: any) => o.kind === 'HelmChart');
    expect(charts.length).toBeGreaterThan(0);
    for (const chart of charts as any[]) expect(read11(chart.spec.valuesContent), chart.metadata.name).toEqual(read12(chart.spec.valuesContent));
  });

  test('an app named `on` with `on`-like env values keeps them as strings', () => {
    const deployment = read.find((o: any) => o.kind === 'Deployment' && o.metadata.name === 'on') as any;
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ ENABLED: 'on', DEBUG: 'no', SHORT: 'y', COUNT: '1_000', MODE: '0o17', OCTAL: '017', TIME: '12:30', DAY: '2024-01-02' });
    expect(deployment.metadata.namespace).toBe('on');
  });
});
