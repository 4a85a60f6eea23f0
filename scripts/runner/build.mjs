// Builds the two bundles scripts/run.mjs runs: the project's own code (esbuild, no type checking: that
// is `npm run typecheck`) and, separately, the dependencies it uses, so an edit rebuilds only the
// small project bundle and the dependencies' code cache stays valid. Loaded only when a cache misses.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { APPS_MODULE_ID, appsModuleSource } from '../apps-module.mjs';
import { packageOf } from './packages.mjs';

export class BuildError extends Error {
  constructor(lines) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

function errorLines(root, error) {
  // A syntax error in an app or config file, or a stray file in apps/: one line each, no stack trace.
  return (error.errors ?? [{ text: error.message }]).map((e) => {
    const at = e.location && !e.pluginName ? `${relative(root, resolve(root, e.location.file))}:${e.location.line}:${e.location.column + 1}: ` : '';
    return `${at}${e.text}`;
  });
}

/** The project bundle of `entry`: its code, the files and folders it was built from, and the packages it imports. */
export async function buildProject(root, entry, appsDir) {
  let usesApps = false;
  const appsPlugin = {
    name: 'apps',
    setup(b) {
      b.onResolve({ filter: /^virtual:apps$/ }, () => ({ path: APPS_MODULE_ID, namespace: 'apps' }));
      b.onLoad({ filter: /.*/, namespace: 'apps' }, () => {
        usesApps = true;
        return { contents: appsModuleSource(root, appsDir, { guarded: true }), loader: 'ts', resolveDir: root };
      });
    },
  };
  let result;
  try {
    result = await build({
      entryPoints: [resolve(root, entry)],
      absWorkingDir: root,
      outfile: join(root, '.cache', 'bundle.cjs'),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      // import() becomes require(): the bundle runs from vm.Script, which has no dynamic-import hook
      // once its code cache is used.
      supported: { 'dynamic-import': false },
      metafile: true,
      logLevel: 'silent',
      plugins: [appsPlugin],
    });
  } catch (error) {
    throw new BuildError(errorLines(root, error));
  }
  const output = Object.values(result.metafile.outputs)[0];
  const externals = [...new Set(output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))].sort();
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('apps:'));
  return { code: result.outputFiles[0].text, inputs, externals, usesApps };
}

/**
 * The dependency bundle: one module whose properties are the given specifiers, each loaded lazily
 * (on first use, as with require), with one copy of each package version (cdk8s ships its own yaml).
 */
export async function buildPackages(root, specifiers) {
  const entry = specifiers.map((s) => `Object.defineProperty(exports, ${JSON.stringify(s)}, { enumerable: true, get: () => require(${JSON.stringify(s)}) });`).join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'packages-entry.cjs', loader: 'js' },
    absWorkingDir: root,
    outfile: join(root, '.cache', 'packages.cjs'),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    external: ['@secretlint/config-loader'],
    metafile: true,
    logLevel: 'silent',
    plugins: [oneCopyPerVersion(root)],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => existsSync(resolve(root, p)));
  return { code: result.outputFiles[0].text, inputs };
}

/** A nested copy of a package (node_modules/cdk8s/node_modules/yaml) resolves to the top-level one when the versions are equal. */
function oneCopyPerVersion(root) {
  const versionOf = (dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  return {
    name: 'one-copy-per-version',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.deduped || !args.importer.includes('node_modules') || isBuiltin(args.path)) return undefined;
        const name = packageOf(args.path);
        const nested = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { deduped: true } });
        if (nested.errors.length || !nested.path.includes(`/node_modules/${name}/`)) return undefined;
        const nestedDir = nested.path.slice(0, nested.path.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length);
        const topDir = join(root, 'node_modules', name);
        if (nestedDir === topDir || versionOf(nestedDir) !== versionOf(topDir)) return undefined;
        return b.resolve(args.path, { kind: args.kind, resolveDir: root, pluginData: { deduped: true } });
      });
    },
  };
}
