#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles it (tens of milliseconds, no type checking,
// that is `npm run typecheck`) into .cache/ and Node runs the bundle. No ts-node on the hot path.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as nodeModule from 'node:module';
import { APPS_MODULE_ID, appsModuleSource } from './apps-module.mjs';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}

const appsPlugin = {
  name: 'apps',
  setup(b) {
    b.onResolve({ filter: /^virtual:apps$/ }, () => ({ path: APPS_MODULE_ID, namespace: 'apps' }));
    b.onLoad({ filter: /.*/, namespace: 'apps' }, () => ({
      contents: appsModuleSource(rootDir),
      loader: 'ts',
      resolveDir: rootDir,
    }));
  },
};

const outfile = join(rootDir, '.cache', `${basename(entry).replace(/\.ts$/, '')}.cjs`);
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
  plugins: [appsPlugin],
});

process.argv = [process.argv[0], outfile, ...args];
// Node >= 22.1 caches compiled dependencies (cdk8s-plus' 2.7 MB k8s.js) between runs; a no-op on 20.
nodeModule.enableCompileCache?.();
nodeModule.createRequire(pathToFileURL(outfile))(outfile);
