import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appFile, render } from './helpers';
import { fixtureClusterInput } from './fixtures/cluster';
import { defineCluster } from '../lib/config';

/*
 * The docs say what the code does: every `npm run <script>` they show exists, with flags its script
 * accepts; every relative link resolves, anchors included; and docs/setup.md's one table of secrets
 * names exactly what the workflows and the rendered SecretStores read, where they read it.
 * Only the repository's own files are read, and the render uses a fixture app, never apps/.
 */

const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const docs = ['README.md', 'bootstrap/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const scripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

/** Markdown without fenced code (kept for commands) or without any code (for links and headings). */
const withoutCode = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

// ---- npm run <script> [-- flags] -------------------------------------------------------------

interface Shown { doc: string; script: string; flags: string[] }

/** Every `npm run`, `npm test` and `node --run` a doc shows, with the flags it passes to the script. */
export function commandsIn(doc: string, text: string): Shown[] {
  const shown: Shown[] = [];
  const pattern = /\b(?:npm run(?:\s+-s)?|node --run)\s+([a-z][\w:-]*)([^\n`|;&#)$"]*)|\bnpm test\b/g;
  for (const m of text.matchAll(pattern)) {
    const script = m[1] ?? 'test';
    const rest = m[2] ?? '';
    const passed = /^\s+--\s(.*)$/.exec(rest)?.[1] ?? '';
    shown.push({ doc, script, flags: [...passed.matchAll(/(?:^|\s|\[)--([a-z][\w-]*)/g)].map((f) => f[1]) });
  }
  return shown;
}

/** The files behind a package.json script, with every repository module they import. */
function sourcesOf(script: string): string[] {
  const entry = /^(?:node scripts\/run\.mjs|node|bash)\s+(\S+)/.exec(scripts[script])?.[1];
  if (!entry) return [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(file) || !statSync(file).isFile()) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = resolve(dirname(file), m[1]);
      for (const candidate of [base, `${base}.ts`, `${base}.mjs`, join(base, 'index.ts')]) visit(candidate);
    }
  };
  visit(join(root, entry));
  return [...seen];
}

/** Whether a script's sources declare `flag` as an option (a parseArgs key, or a literal `--flag`). */
function accepts(script: string, flag: string): boolean {
  const quoted = new RegExp(`(?:['"]${flag}['"]|[{,\\s]${flag})\\s*:|['"]--${flag}['"=]|--${flag}\\b`);
  return sourcesOf(script).some((file) => quoted.test(readFileSync(file, 'utf8')));
}

describe('commands the docs show', () => {
  const shown = docs.flatMap((doc) => commandsIn(doc, read(doc)));

  it('finds the commands it checks', () => {
    expect(shown.length).toBeGreaterThan(50);
    expect(shown).toContainEqual({ doc: 'docs/delivery.md', script: 'apply', flags: ['plan'] });
    expect(commandsIn('x', 'run `npm run -s tailscale -- ci-tag [--drift]` and `npm test`')).toEqual([
      { doc: 'x', script: 'tailscale', flags: ['drift'] },
      { doc: 'x', script: 'test', flags: [] },
    ]);
  });

  it('names only scripts package.json has', () => {
    const missing = shown.filter((c) => !(c.script in scripts)).map((c) => `${c.doc}: npm run ${c.script}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('passes only flags the script accepts', () => {
    const refused = shown
      .filter((c) => c.script in scripts)
      .flatMap((c) => c.flags.filter((f) => !accepts(c.script, f)).map((f) => `${c.doc}: npm run ${c.script} -- --${f}`));
    expect([...new Set(refused)]).toEqual([]);
  });

  // The offline commands of the walk (docs/setup.md, README), run as written: each prints and exits 0.
  const offline = ['npm run -s apply -- --identities-template', 'npm run -s tailscale -- policy', 'npm run -s deploy-identity', 'npm run apply -- --plan'];
  it.each(offline)('%s runs offline, as the docs show it', (command) => {
    expect(docs.some((doc) => read(doc).includes(command))).toBe(true);
    const out = execFileSync('npm', command.split(' ').slice(1), { cwd: root, encoding: 'utf8', env: { ...process.env, KUBECONFIG: '', INFISICAL_IDENTITIES: '' } });
    expect(out.trim().length).toBeGreaterThan(0);
  });

  it('would catch a flag no script declares', () => {
    expect(accepts('apply', 'identities-template')).toBe(true);
    expect(accepts('apply', 'identities-tempalte')).toBe(false);
    expect(accepts('build-helm', 'plan')).toBe(false);
  });
});

// ---- relative links ----------------------------------------------------------------------------

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

const anchorsOf = (file: string) =>
  new Set([...read(file).replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));

describe('links in the docs', () => {
  const links = docs.flatMap((doc) =>
    [...withoutCode(read(doc)).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ doc, target })),
  );

  it('finds the links it checks', () => {
    expect(links.length).toBeGreaterThan(20);
    expect(slug('Rules for `main`')).toBe('rules-for-main');
    expect(slug('Restore a database (point in time)')).toBe('restore-a-database-point-in-time');
  });

  it('resolve to files and headings that exist', () => {
    const broken = links.filter(({ doc, target }) => {
      const [path, anchor] = target.split('#');
      const file = path ? relative(root, resolve(dirname(join(root, doc)), path)) : doc;
      if (!existsSync(join(root, file))) return true;
      return anchor !== undefined && (!file.endsWith('.md') || !anchorsOf(file).has(anchor));
    });
    expect(broken.map(({ doc, target }) => `${doc}: ${target}`)).toEqual([]);
  });
});

// ---- the one table of secrets ------------------------------------------------------------------

interface SecretRow { names: string[]; where: string }

/** The rows of docs/setup.md's "Every secret" table. */
function secretRows(): SecretRow[] {
  const section = read('docs/setup.md').split(/^## Every secret$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\| (name|---)/.test(line))
    .map((line) => {
      const [name, where] = line.split(' | ').map((c) => c.replace(/^\| /, ''));
      return { names: [...name.matchAll(/`([A-Z][A-Z0-9_]+(?:<[A-Z]+>)?)`/g)].map((m) => m[1]), where };
    });
}

/** `secret@place` for each name of each row, where `place` starts with `prefix`. */
function tablePairs(prefix: RegExp): string[] {
  return secretRows().flatMap(({ names, where }) => {
    const places = [...where.matchAll(prefix)].map((m) => m[1] ?? m[2]);
    return places.flatMap((place) => (names.length ? names : ['*']).map((n) => `${n}@${place}`));
  });
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

describe("docs/setup.md's table of secrets", () => {
  it('names each secret the workflows read, in the environment the job runs in', () => {
    const dir = join(root, '.github/workflows');
    // A repository secret is read by jobs with an environment too (the drift check's message): it is the repository's.
    const repositorySecrets = new Set(tablePairs(/GitHub (repository)/g).map((p) => p.split('@')[0]));
    const read = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => {
        const jobs = (parse(readFileSync(join(dir, f), 'utf8')).jobs ?? {}) as Record<string, { environment?: string | { name: string } }>;
        return Object.values(jobs).flatMap((job) => {
          const env = typeof job.environment === 'object' ? job.environment.name : job.environment;
          return [...JSON.stringify(job).matchAll(/secrets\.([A-Z][A-Z0-9_]*)/g)]
            .map((m) => m[1])
            .filter((s) => s !== 'GITHUB_TOKEN')
            .map((s) => `${s}@${repositorySecrets.has(s) ? 'repository' : (env ?? 'repository')}`);
        });
      });
    expect(read.length).toBeGreaterThan(5);
    expect(sorted(tablePairs(/GitHub (?:environment `([a-z-]+)`|(repository))/g))).toEqual(sorted(read));
  });

  it('names each Infisical folder and key the rendered SecretStores read', () => {
    const fixture = 'docs-fixture';
    // With every optional platform secret on (Authenticated Origin Pulls' CA in /platform/traefik).
    const cluster = defineCluster({ ...fixtureClusterInput, dns: { proxied: true, authenticatedOriginPulls: true } }, 'test/fixtures/cluster.ts');
    const { objects } = render({
      cluster,
      apps: [
        appFile(fixture, {
          image: 'ghcr.io/me/docs-fixture:1.0.0',
          port: 8080,
          hosts: [fixture],
          secrets: true,
          volume: { mountPath: '/data', size: '1Gi' },
          database: { size: '1Gi' },
          databaseEnv: { DATABASE_URL: 'uri' },
        }),
      ],
    });
    const spec = (o: (typeof objects)[number]) => (o as unknown as { spec: any }).spec;
    const stores = new Map(
      objects
        .filter((o) => o.kind === 'SecretStore')
        .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, String(spec(o).provider.infisical.secretsScope.secretsPath).replace(fixture, '<app>')]),
    );
    const rendered = objects
      .filter((o) => o.kind === 'ExternalSecret')
      .flatMap((o) => {
        const path = stores.get(`${o.metadata.namespace}/${spec(o).secretStoreRef.name}`)!;
        const keys: string[] = (spec(o).data ?? []).map((d: { remoteRef: { key: string } }) => d.remoteRef.key);
        // The restore drills' copy of each owner's restic password: one row, RESTIC_PASSWORD_<OWNER>.
        return (keys.length ? keys : ['*']).map((k) => `${k.replace(/^RESTIC_PASSWORD_[A-Z0-9_]+$/, 'RESTIC_PASSWORD_<OWNER>')}@${path}`);
      });
    expect(rendered).toContain('RESTIC_PASSWORD@/backups/<app>');
    expect(sorted(tablePairs(/Infisical[^|]*?`(\/[a-z<>/-]+)`|\(and `(\/backups\/[a-z-]+)`\)/g))).toEqual(sorted(rendered));
  });

  it('is right that a database alone never reads RESTIC_PASSWORD', () => {
    const { objects } = render({
      apps: [appFile('docs-db', { image: 'ghcr.io/me/docs-db:1.0.0', port: 8080, hosts: ['docs-db'], database: { size: '1Gi' }, databaseEnv: { DATABASE_URL: 'uri' } })],
    });
    const keys = objects
      .filter((o) => o.kind === 'ExternalSecret' && o.metadata.namespace === 'docs-db')
      .flatMap((o) => ((o as unknown as { spec: any }).spec.data ?? []).map((d: { remoteRef: { key: string } }) => d.remoteRef.key));
    expect(sorted(keys)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  });

  it('names each secret once per place', () => {
    const pairs = [...tablePairs(/GitHub (?:environment `([a-z-]+)`|(repository))/g), ...tablePairs(/Infisical[^|]*?`(\/[a-z<>/-]+)`/g)];
    expect(pairs.filter((p, i) => pairs.indexOf(p) !== i)).toEqual([]);
  });
});
