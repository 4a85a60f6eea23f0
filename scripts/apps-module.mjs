// Source of the `virtual:apps` module: one import per apps/*.ts file, so adding a file is enough
// to deploy an app. Shared by the esbuild runner (scripts/run.mjs) and vitest (vitest.config.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const APPS_MODULE_ID = 'virtual:apps';

/** Entries of apps/ that are not apps and are skipped on purpose: helpers (`_x.ts`), type declarations, dotfiles. */
const isSkipped = (name) => name.startsWith('_') || name.startsWith('.') || name.endsWith('.d.ts');

/**
 * Lists app files in a stable order, so dist/ never depends on directory order. Anything else at
 * the top of apps/ (blog.js, blog.yaml, a blog/ folder) is an error rather than silently not deployed.
 */
export function listAppFiles(appsDir) {
  if (!existsSync(appsDir)) {
    throw new Error(`apps/: got no such folder (${appsDir}), expected a folder with one <name>.ts per app (run from the repository root)`);
  }
  const entries = readdirSync(appsDir, { withFileTypes: true }).filter((e) => !isSkipped(e.name));
  const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  // apps/<name>/ beside apps/<name>.ts holds that app's config files (`files: { '/etc/x': { file: 'x' } }`).
  const isFilesFolder = (e) => e.isDirectory() && names.has(`${e.name}.ts`);
  const strays = entries
    .filter((e) => !isFilesFolder(e) && (!e.isFile() || !e.name.endsWith('.ts')))
    .map((e) => `apps/${e.name}${e.isDirectory() ? '/' : ''}`);
  if (strays.length) {
    throw new Error(`${strays.join(', ')}: got ${strays.length === 1 ? 'a file that is' : 'files that are'} not an app, expected only apps/<name>.ts and its folder of files apps/<name>/ (prefix helpers with _ to keep them)`);
  }
  return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
}

/**
 * `guarded` (the esbuild runner): each file is loaded inside a try, so a file that throws is
 * reported by synth with its name instead of a stack trace from the middle of the bundle.
 */
export function appsModuleSource(rootDir, appsDir = process.env.HOBBY_APPS_DIR ?? join(rootDir, 'apps'), { guarded = false } = {}) {
  const files = listAppFiles(appsDir);
  // Where each app's folder of files is, relative to the repository root (synth runs there), so a
  // cached bundle does not carry this machine's absolute path.
  const dir = JSON.stringify(relative(rootDir, appsDir) || '.');
  if (guarded) {
    const entries = files.map((name) => `  load(${JSON.stringify(`apps/${name}`)}, () => require(${JSON.stringify(join(appsDir, name))})),`);
    return [
      'function load(file, get) {',
      `  try { return { file, dir: ${dir}, exports: get() }; } catch (loadError) { return { file, dir: ${dir}, exports: {}, loadError }; }`,
      '}',
      'export const appSources = [',
      ...entries,
      '];',
      '',
    ].join('\n');
  }
  const imports = files.map((name, i) => `import * as app${i} from ${JSON.stringify(join(appsDir, name))};`);
  const entries = files.map((name, i) => `  { file: ${JSON.stringify(`apps/${name}`)}, dir: ${dir}, exports: app${i} },`);
  return [...imports, 'export const appSources = [', ...entries, '];', ''].join('\n');
}
