import { execFile } from 'node:child_process';
import { isDeepStrictEqual, promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildPlatform } from '../../platform';
import { collectManifests, manifestFile, renderFiles, tidyManifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { unusualAppSources } from '../fixtures/app-corpus';
import { fixtureApps } from '../fixtures/apps';
import { fixtureCluster } from '../fixtures/cluster';
import { LONE_SURROGATES, yamlStringCorpus } from '../fixtures/yaml-strings';
import { appFile } from '../helpers';
import { buildOracle } from '../fixtures/oracles';

/*
 * The YAML writer (lib/yaml.ts) against kubectl's own reader: k8s.io/apimachinery's document
 * splitter and sigs.k8s.io/yaml (go-yaml v2) at the versions Kubernetes 1.32 uses, built from their
 * Go modules (test/oracles/yaml, scripts/build-yaml-oracle.sh, cached outside the repository). A
 * generated corpus of strings, written as values, keys and list items of objects, as an app's env
 * and arguments, and every file synth renders for the fixture apps and the unusual corpus, must
 * read back exactly as meant.
 */


/** What kubectl makes of each document of `text`: its JSON, or `error: ...`. */
async function kubectlReads(oracle: string, text: string): Promise<string[]> {
  const child = promisify(execFile)(oracle, [], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
  child.child.stdin!.on('error', () => {}).end(text);
  return (await child).stdout.split('\n').slice(0, -1);
}

/** Each document's disagreement with what was meant (`describe(i)` names it), or none. */
function disagreements(lines: string[], meant: readonly unknown[], describe: (i: number) => string): string[] {
  const out: string[] = [];
  if (lines.length !== meant.length) out.push(`kubectl read ${lines.length} documents, expected ${meant.length} (last: ${lines.at(-1)?.slice(0, 200)})`);
  meant.forEach((object, i) => {
    const line = lines[i] ?? '(nothing)';
    if (!line.startsWith('ok ')) out.push(`${describe(i)}: ${line.slice(0, 300)}`);
    else {
      const read: unknown = JSON.parse(line.slice(3));
      if (!isDeepStrictEqual(read, JSON.parse(JSON.stringify(object)))) out.push(`${describe(i)}: read back as ${line.slice(3, 300)}`);
    }
  });
  return out;
}

/**
 * Renders `sources` as synth does, has kubectl read every file, and checks each object it reads is
 * one synth meant, field for field. Returns both sides for further checks.
 */
async function renderedAndRead(oracle: string, sources: Parameters<typeof buildPlatform>[0]['appSources']): Promise<{ intended: Map<string, unknown>; read: any[] }> {
  const app = buildPlatform({ cluster: fixtureCluster, appSources: sources }).app;
  const intended = new Map(collectManifests(app).flatMap(({ manifests }) => manifests.map(tidyManifest)).map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, JSON.parse(JSON.stringify(m))]));
  const read: any[] = [];
  for (const [path, text] of renderFiles(app)) {
    for (const line of await kubectlReads(oracle, text)) {
      expect(line, path).toMatch(/^ok \{/);
      const object = JSON.parse(line.slice(3));
      const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      expect(object, `${path}: ${id}`).toEqual(intended.get(id));
      read.push(object);
    }
  }
  return { intended, read };
}

const show = (s: string) => (s.length > 60 ? `${JSON.stringify(s.slice(0, 60))}... (${s.length} characters)` : JSON.stringify(s));

describe('kubectl reads what the YAML writer writes (test/oracles/yaml: sigs.k8s.io/yaml v1.4.0, go-yaml v2)', () => {
  let oracle: string | undefined;
  let missingGo: string | undefined;

  // The first run on a machine builds the oracle (seconds with warm Go caches; the modules come from
  // the Go module proxy otherwise); later runs find it in ~/.cache/hobby-infra.
  beforeAll(async () => {
    ({ oracle, missingGo } = await buildOracle('yaml'));
  }, 300_000);

  const corpus = yamlStringCorpus();

  test('every string of the generated corpus, as a value, a key and a list item, reads back unchanged', async (context) => {
    if (missingGo) context.skip(missingGo);
    expect(corpus.length).toBeGreaterThan(2500);
    const objects = corpus.map((s, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `s-${i}`, annotations: { [s]: s } }, data: { value: s, nested: { list: [s, 'plain'] } } }));
    const lines = await kubectlReads(oracle!, manifestFile(objects));
    expect(disagreements(lines, objects, (i) => `string ${show(corpus[i]!)}`)).toEqual([]);
  });

  test('the same strings as an app env and arguments, rendered by synth, read back unchanged', async (context) => {
    if (missingGo) context.skip(missingGo);
    // No process can hold a NUL (synth refuses it in env and argv); an env of 100 KB is no app's either.
    const usable = corpus.filter((s) => !s.includes('\0') && s.length < 10_000);
    const chunks = Array.from({ length: Math.floor(usable.length / 400) }, (_, i) => usable.slice(i * 400, i * 400 + 400));
    const apps = chunks.map((strings, i) =>
      appFile(`yaml-${i}`, {
        image: 'ghcr.io/me/yaml:1.0.0',
        port: 8080,
        env: Object.fromEntries(strings.map((s, j) => [`V${j}`, s])),
        command: ['/bin/app', ...strings.slice(0, 60)],
        args: strings.slice(60, 120),
      }),
    );
    const { intended, read } = await renderedAndRead(oracle!, apps);
    // The test's own apps' Deployments (the platform has Deployments of its own, the sign-in's for one).
    const envs = read.filter((o) => o.kind === 'Deployment' && o.metadata.namespace?.startsWith('yaml-')).map((o) => o.spec.template.spec.containers[0].env.length);
    expect(envs).toEqual(chunks.map(() => 400));
    expect(read).toHaveLength(intended.size);
  });

  test('every file synth renders for the fixture apps and the unusual corpus reads back as the objects synth meant', async (context) => {
    if (missingGo) context.skip(missingGo);
    for (const sources of [fixtureApps, unusualAppSources]) {
      const { intended, read } = await renderedAndRead(oracle!, sources);
      expect(read.length).toBeGreaterThan(50);
      expect(read).toHaveLength(intended.size);
    }
  });

  test('a lone surrogate cannot reach kubectl intact, so the writer refuses it rather than write another string', async (context) => {
    if (missingGo) context.skip(missingGo);
    for (const s of LONE_SURROGATES) expect(() => toYaml({ value: s }), JSON.stringify(s)).toThrow(/lone surrogate/);
    // Why: raw, UTF-8 turns it into U+FFFD (another string); escaped, as YAML 1.2 writers do, go-yaml refuses the file.
    const [raw, escaped] = await kubectlReads(oracle!, `value: "\ud800"\n---\nvalue: "\\ud800"\n`);
    expect(JSON.parse(raw!.slice(3))).toEqual({ value: '\ufffd' });
    expect(escaped).toMatch(/^error: .*invalid Unicode character escape/);
  });
});
