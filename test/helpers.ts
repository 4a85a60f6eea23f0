import { execFileSync } from 'node:child_process';
import { cpSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { AppSource } from '../lib/app-spec';
import type { ClusterConfig } from '../lib/config';
import { renderPlatform } from '../platform';
import type { Manifest } from '../lib/render';
import { FIXTURE_APPS_DIR, fixtureApps } from './fixtures/apps';
import { fixtureCluster } from './fixtures/cluster';

export interface RenderedObject extends Manifest {
  /** dist/-relative file the object is rendered to. */
  readonly file: string;
}

// Most renders in a suite share most of their files (the platform's charts), so each distinct text
// is parsed by the yaml library once per worker; every caller gets its own copy of the objects.
const parsedTexts = new Map<string, Manifest[]>();
function parseText(text: string): Manifest[] {
  let parsed = parsedTexts.get(text);
  if (!parsed) parsedTexts.set(text, (parsed = parseAllDocuments(text).map((doc) => doc.toJS() as Manifest)));
  return structuredClone(parsed);
}

/** Parses rendered files into objects, remembering which file each came from. */
export function parseFiles(files: ReadonlyMap<string, string>): RenderedObject[] {
  return [...files].flatMap(([file, text]) => parseText(text).map((manifest) => ({ ...manifest, file })));
}

/**
 * Renders the platform in-process, as `npm run synth` does, with the given config and apps; by
 * default the tests' own (test/fixtures/cluster.ts, test/fixtures/apps.ts), never the user's apps/ or
 * config/cluster.ts, so a user's change to either cannot fail a test that is not about dist/.
 */
export function render(options: { cluster?: ClusterConfig; apps?: readonly AppSource[] } = {}) {
  const { files, apps } = renderPlatform({ cluster: options.cluster ?? fixtureCluster, appSources: options.apps ?? fixtureApps });
  return { files, apps, objects: parseFiles(files) };
}

const renderedAlone = new WeakMap<AppSource, ReturnType<typeof render>>();
/**
 * The platform with just `source` as its app (the fixture cluster), rendered once per test worker:
 * several suites render every app variant, and the files of a worker share their modules.
 */
export function renderAlone(source: AppSource): ReturnType<typeof render> {
  let rendered = renderedAlone.get(source);
  if (!rendered) renderedAlone.set(source, (rendered = render({ apps: [source] })));
  return rendered;
}

export function find(objects: readonly RenderedObject[], kind: string, name: string, namespace?: string): RenderedObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!found) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} rendered`);
  return found;
}

/** A HelmChart's values, parsed from its valuesContent. */
export function helmValues(objects: readonly RenderedObject[], name: string): any {
  const chart = find(objects, 'HelmChart', name, 'kube-system') as any;
  return parseAllDocuments(chart.spec.valuesContent)[0]!.toJS();
}

/** An app file as synth sees it, for tests that declare apps inline. */
export const appFile = (name: string, spec: unknown): AppSource => ({ file: `apps/${name}.ts`, exports: { default: spec } });

/** The relative path of every file below `dir` (any depth, any name, so stray files show up too), sorted. */
export function walkFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(dir, path));
    }
  };
  walk(dir);
  return files.sort((a, b) => a.localeCompare(b));
}

/** Every file below `dir` and its text, by relative path, sorted. */
export function readTree(dir: string): Map<string, string> {
  return new Map(walkFiles(dir).map((path) => [path, readFileSync(join(dir, path), 'utf8')]));
}

/**
 * What a scratch copy of the project needs to synth (and `dist/` when asked): sources, config files, and
 * node_modules linked. Its apps/ and config/cluster.ts are the tests' own (test/fixtures/apps/,
 * test/fixtures/cluster.ts) unless `user: true` asks for the user's, so that no test but the ones about
 * the committed dist/ follows what the user changed there. (A copied dist/ is the committed one, so
 * with fixtures it is only fit for "left unchanged" checks.)
 */
export function copyProject(root: string, dir: string, opts: { dist?: boolean; files?: readonly string[]; user?: boolean } = {}): void {
  const folders = ['platform.ts', 'config', 'lib', 'charts', 'apps', 'imports', 'scripts', ...(opts.dist ? ['dist'] : [])];
  for (const path of folders) cpSync(join(root, path), join(dir, path), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json', 'cdk8s.yaml', '.secretlintrc.json', ...(opts.files ?? [])]) cpSync(join(root, file), join(dir, file));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  if (!opts.user) useFixtures(root, dir);
}

/** Replaces a scratch copy's apps/ and config/cluster.ts with the tests' own. */
export function useFixtures(root: string, dir: string): void {
  rmSync(join(dir, 'apps'), { recursive: true, force: true });
  cpSync(join(root, FIXTURE_APPS_DIR), join(dir, 'apps'), { recursive: true });
  writeFileSync(join(dir, 'config/cluster.ts'), fixtureClusterSource(root));
}

/** test/fixtures/cluster.ts as the scratch copy's config/cluster.ts: its import and file name moved there. */
export function fixtureClusterSource(root: string): string {
  const text = readFileSync(join(root, 'test/fixtures/cluster.ts'), 'utf8');
  const moved = text.replace("from '../../lib/config'", "from '../lib/config'").replace("'test/fixtures/cluster.ts'", "'config/cluster.ts'");
  if (moved === text) throw new Error('test/fixtures/cluster.ts: got no import of ../../lib/config, expected one to move');
  return moved.replace('export const fixtureCluster =', 'export const cluster =');
}

/**
 * Another scratch copy of a scratch copy (`template`, from copyProject), cheaply: apps/ and config/,
 * which cases edit, are copied; every other file is a hard link to the template's, and node_modules
 * is the same link. The commands under test replace files (write, then rename) rather than write into
 * them; one that wrote into a linked file would change the template as well, and fail the case's
 * before/after comparison of that file all the same.
 */
export function linkProject(template: string, dir: string): void {
  const link = (from: string, to: string) => {
    const entry = lstatSync(from);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (!entry.isDirectory()) linkSync(from, to);
    else {
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) link(join(from, name), join(to, name));
    }
  };
  for (const name of readdirSync(template)) {
    if (name === 'apps' || name === 'config') cpSync(join(template, name), join(dir, name), { recursive: true });
    else link(join(template, name), join(dir, name));
  }
}

export interface TempGitRepo {
  readonly dir: string;
  git(...args: string[]): string;
  write(path: string, text: string): void;
  rm(path: string): void;
  commit(message?: string): void;
}

/** A throwaway git repository (main branch, a test identity); `cleanup` collects it for an afterAll. */
export function tempGitRepo(prefix: string, cleanup: string[]): TempGitRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  git('config', 'commit.gpgsign', 'false');
  return {
    dir,
    git,
    write: (path, text) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    rm: (path) => rmSync(join(dir, path), { recursive: true, force: true }),
    commit: (message = 'x') => {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
    },
  };
}
