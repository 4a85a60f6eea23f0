#!/usr/bin/env node
// Runs a TypeScript entry point fast. esbuild bundles the project's code, and separately the
// dependencies it uses, into a cache that is reused only while every input is unchanged
// (scripts/runner/cache.mjs); Node runs the bundles with V8's code cache. No ts-node, no type
// checking on the hot path (that is `npm run typecheck`), and esbuild itself is loaded only to rebuild.
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareBundles } from './runner/cache.mjs';
import { runBundle } from './runner/load.mjs';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const command = basename(entry).replace(/\.ts$/, '');
const appsDir = resolve(process.env.HOBBY_APPS_DIR ?? join(rootDir, 'apps'));

let bundles;
try {
  bundles = await prepareBundles(rootDir, relative(rootDir, resolve(entry)), appsDir);
} catch (error) {
  if (!error.lines) throw error;
  for (const line of error.lines) console.error(`${command}: ${line}`);
  console.error(`${command} failed before it ran: nothing was changed${command === 'synth' ? ' (dist/ was left unchanged)' : ''}.`);
  process.exit(1);
}

// The project bundle's require: bundled dependencies from the dependency bundle, the rest from node_modules.
const nodeRequire = createRequire(join(rootDir, 'package.json'));
const packages = bundles.packages ? runBundle(bundles.packages.file, nodeRequire) : {};
const projectRequire = Object.assign((id) => (Object.hasOwn(packages, id) ? packages[id] : nodeRequire(id)), { resolve: nodeRequire.resolve, cache: nodeRequire.cache });
process.argv = [process.argv[0], bundles.project, ...args];
runBundle(bundles.project, projectRequire);
