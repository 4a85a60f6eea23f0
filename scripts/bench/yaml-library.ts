// The reference `npm run bench` holds the synth to at 1000 apps: the same objects (read from a JSON
// file the bench made from synth's own output), serialized by the yaml library with the writer's
// options (lib/yaml.ts) and written into the same files. Nothing else: no constructs, no checks.
// usage: node scripts/run.mjs scripts/bench/yaml-library.ts <objects.json> <outdir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HEADER } from '../../lib/render';
import { toYamlWithLibrary } from '../../lib/yaml';

const [input, outdir] = process.argv.slice(2);
if (!input || !outdir) throw new Error('usage: yaml-library.ts <objects.json> <outdir>');
const files = JSON.parse(readFileSync(input, 'utf8')) as [string, unknown[]][];
const made = new Set<string>();
for (const [path, objects] of files) {
  const target = join(outdir, path);
  if (!made.has(dirname(target))) mkdirSync(dirname(target), { recursive: true });
  made.add(dirname(target));
  writeFileSync(target, HEADER + objects.map(toYamlWithLibrary).join('---\n'));
}
