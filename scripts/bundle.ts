import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, resolve } from 'node:path';
import { exitWith, parseCommandLine } from '../lib/cli';

/*
 * npm run -s bundle -- --out DIR <entry.ts>...   each entry as DIR/<name>.cjs: the project's code and
 * every package it imports, from node_modules as the lock file installed them, in one file that
 * runs with plain `node` and no node_modules. The deploy and drift workflows build these in a job
 * without secrets and hand them to the job that has them, which then installs nothing.
 */
const usage = 'npm run -s bundle -- --out <dir> <entry.ts>...';
const about = 'Bundles each entry with every package it imports into <dir>/<name>.cjs, which runs with plain node and no node_modules.';
const { values, positionals } = parseCommandLine('bundle', { usage, about }, { out: { type: 'string' } }, process.argv.slice(2), { min: 0, max: 20 });
if (!values.out) exitWith('bundle', '--out: got nothing, expected the folder to write the bundles to', 2, usage);
if (positionals.length === 0) exitWith('bundle', '<entry.ts>: got nothing, expected at least one script, e.g. scripts/apply.ts', 2, usage);
const missing = positionals.find((p) => !existsSync(p));
if (missing) exitWith('bundle', `<entry.ts>: got ${missing}, expected an existing script`, 2, usage);
const names = positionals.map((p) => basename(p).replace(/\.ts$/, ''));
const twice = names.find((n, i) => names.indexOf(n) !== i);
if (twice) exitWith('bundle', `<entry.ts>: got two entries named ${twice}, expected one ${twice}.cjs per name`, 2, usage);

build({
  entryPoints: positionals.map((p) => resolve(p)),
  outdir: resolve(values.out),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  metafile: true,
  logLevel: 'silent',
}).then(
  (result) => {
    // Anything left external would be looked up in a node_modules the receiving job does not have.
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      const external = output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path);
      if (external.length) exitWith('bundle', `${file}: got imports left outside the bundle (${[...new Set(external)].join(', ')}), expected only Node built-ins`);
      console.log(`bundle: wrote ${resolve(file)} (${Math.round(output.bytes / 1024)} KiB)`);
    }
  },
  (error: { errors?: { text: string; location?: { file: string; line: number } | null }[]; message: string }) => {
    const lines = (error.errors ?? [{ text: error.message }]).map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
    exitWith('bundle', lines.join('\n'));
  },
);
