#!/usr/bin/env node
// Regenerates imports/ from the CRD sources pinned in cdk8s.yaml: one named `cdk8s import` per CRD
// (named, because two CRDs of one API group would otherwise overwrite each other's module), and a
// copy of each CRD in imports/crds/ that the tests validate rendered objects against.
//   npm run import                      # from the pinned upstream URLs
//   npm run import -- --from <dir>      # the same files from a local folder (offline)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fromIndex = process.argv.indexOf('--from');
const fromDir = fromIndex > 0 ? resolve(process.argv[fromIndex + 1] ?? '') : undefined;

const { imports } = parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
const outDir = join(root, 'imports');
const crdDir = join(outDir, 'crds');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(crdDir, { recursive: true });

const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
for (const spec of imports) {
  const [name, url] = spec.split(':=');
  const file = basename(new URL(url).pathname);
  const crdPath = join(crdDir, file);
  if (fromDir) {
    writeFileSync(crdPath, readFileSync(join(fromDir, file)));
  } else {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    writeFileSync(crdPath, await response.text());
  }
  console.log(`importing ${name} from ${fromDir ? crdPath : url}`);
  execFileSync(cdk8s, ['import', `${name}:=${crdPath}`, '--output', outDir, '--language', 'typescript', '--no-save', '--no-check-upgrade'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
