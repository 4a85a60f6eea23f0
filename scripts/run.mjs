#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles it (tens of milliseconds, no type checking,
// that is `npm run typecheck`) into .cache/ and Node runs the bundle. No ts-node on the hot path.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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
      contents: appsModuleSource(rootDir, undefined, { guarded: true }),
      loader: 'ts',
      resolveDir: rootDir,
    }));
  },
};

const outfile = join(rootDir, '.cache', `${basename(entry).replace(/\.ts$/, '')}.cjs`);
mkdirSync(dirname(outfile), { recursive: true });
const command = basename(entry).replace(/\.ts$/, '');
try {
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    plugins: [appsPlugin],
  });
} catch (error) {
  // A syntax error in an app or config file, or a stray file in apps/: one line each, no stack trace.
  for (const e of error.errors ?? [{ text: error.message }]) {
    const at = e.location && !e.pluginName ? `${relative(rootDir, resolve(rootDir, e.location.file))}:${e.location.line}:${e.location.column + 1}: ` : '';
    console.error(`${command}: ${at}${e.text}`);
  }
  console.error(`${command} failed before it ran: nothing was changed${command === 'synth' ? ' (dist/ was left unchanged)' : ''}.`);
  process.exit(1);
}

process.argv = [process.argv[0], outfile, ...args];
// Node >= 22.1 caches compiled dependencies (cdk8s-plus' 2.7 MB k8s.js) between runs; a no-op on 20.
nodeModule.enableCompileCache?.();
nodeModule.createRequire(pathToFileURL(outfile))(outfile);
