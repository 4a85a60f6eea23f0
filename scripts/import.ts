// `npm run import`: regenerates imports/ from the sources pinned in cdk8s.yaml and config/versions.ts.
//   - one named `cdk8s import` per CRD (named, so two CRDs of one API group don't overwrite each
//     other's module), plus a copy of each CRD in imports/crds/ that the schema tests validate against;
//   - each chart's values.schema.json in imports/chart-values/, to validate HelmChart values;
//   - the CRDs of charts that keep them in crds/ (helm never upgrades those) in imports/chart-crds/,
//     which synth renders into dist/.
// Online it fetches the pinned URLs. Offline: `npm run import -- --from <crd-dir> [--values-from <dir>]`
// reads the same file names from local folders; a chart schema missing there is reported and skipped.
// Atomic like synth: everything is built in a temp folder that replaces imports/ only when it all
// succeeded, so a failure (or reading from imports/ itself) never loses what was there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CHARTS, valuesSchemaUrl, type PinnedChart } from '../config/versions';
import { exitWith, parseCommandLine } from '../lib/cli';
import { replaceDirectoryAtomically } from '../lib/output';

const usage = 'npm run import [-- --from <crd-dir> [--values-from <dir>]]';
const { values: args } = parseCommandLine('import', { usage, about: 'Regenerates imports/ (CRD bindings and chart value schemas) from the sources pinned in cdk8s.yaml and config/versions.ts.\nOnline it fetches the pinned URLs; --from (and --values-from) read the same file names from local folders.\nEverything is built aside and replaces imports/ only when all of it succeeded.' }, { from: { type: 'string' }, 'values-from': { type: 'string' } });
for (const flag of ['from', 'values-from'] as const) {
  const dir = args[flag];
  if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) exitWith('import', `--${flag}: got ${JSON.stringify(dir)}, expected a folder of local copies`, 2, usage);
}
const root = process.cwd();
const outDir = join(root, 'imports');

async function fetchText(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    // fetch says only "fetch failed"; the cause (DNS, refused, TLS) and the URL are what help.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`${url}: got no answer (${why}), expected the pinned file; run online, or offline with --from <crd-dir> [--values-from <dir>]`);
  }
  if (!response.ok) throw new Error(`${url}: got HTTP ${response.status}, expected the pinned file`);
  return response.text();
}

/** Reads `localName` (default: the URL's file name) from the local folder when one is given, else fetches `url`. */
async function source(url: string, localDir: string | undefined, localName = basename(new URL(url).pathname)): Promise<string | undefined> {
  if (!localDir) return fetchText(url);
  const local = join(resolve(localDir), localName);
  return existsSync(local) ? readFileSync(local, 'utf8') : undefined;
}

async function fill(staging: string): Promise<void> {
  const crdDir = join(staging, 'crds');
  const valuesDir = join(staging, 'chart-values');
  mkdirSync(crdDir, { recursive: true });
  mkdirSync(valuesDir, { recursive: true });

  const { imports } = parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
  for (const spec of imports) {
    const [name, url] = spec.split(':=') as [string, string];
    const crdPath = join(crdDir, basename(new URL(url).pathname));
    const text = await source(url, args.from);
    if (text === undefined) throw new Error(`--from: got ${args.from} without ${basename(crdPath)}, expected every CRD pinned in cdk8s.yaml`);
    writeFileSync(crdPath, text);
    console.log(`importing ${name} (${url})`);
    execFileSync(join(root, 'node_modules/.bin/cdk8s'), ['import', `${name}:=${crdPath}`, '--output', staging, '--language', 'typescript', '--no-save', '--no-check-upgrade'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  const provenance = ['# Chart values schemas', '', 'Written by `npm run import` from the URLs pinned in config/versions.ts. Do not edit.', '', '| chart | version | source |', '| --- | --- | --- |'];
  for (const chart of Object.values(CHARTS)) {
    const url = valuesSchemaUrl(chart);
    if (!url) continue;
    const localDir = args['values-from'] ?? args.from;
    const text = await source(url, localDir, `${chart.chart}.schema.json`);
    if (text === undefined) {
      console.warn(`${chart.chart}: no ${chart.chart}.schema.json in ${localDir}; its values are not schema-checked until \`npm run import\` runs online`);
      provenance.push(`| ${chart.chart} | ${chart.version} | missing (imported offline) |`);
      continue;
    }
    JSON.parse(text);
    writeFileSync(join(valuesDir, `${chart.chart}.schema.json`), text);
    provenance.push(`| ${chart.chart} | ${chart.version} | ${localDir ? `local copy standing in for ${url}` : url} |`);
  }
  writeFileSync(join(valuesDir, 'README.md'), `${provenance.join('\n')}\n`);
  await importChartCrds(staging);
}

/**
 * The CRDs of the charts that ship them in `crds/` (config/versions.ts `crds`), which synth renders
 * into dist/ (lib/constructs/chart-crds.ts): the files the folder's kustomization.yaml lists that
 * start with the prefix, at the pinned version, and a source.json saying which. Offline, --from
 * holds them as chart-crds/<chart>/ (kustomization.yaml and the files).
 */
async function importChartCrds(staging: string): Promise<void> {
  for (const chart of Object.values(CHARTS) as PinnedChart[]) {
    if (!chart.crds) continue;
    const folder = chart.crds.folder.replaceAll('{version}', chart.version);
    const localDir = args.from && join(args.from, 'chart-crds', chart.chart);
    const list = await source(`${folder}/kustomization.yaml`, localDir);
    if (list === undefined) throw new Error(`--from: got ${args.from} without chart-crds/${chart.chart}/kustomization.yaml, expected ${chart.chart}'s crds/ folder at ${chart.version}`);
    const files = ((parse(list) as { resources?: string[] }).resources ?? []).filter((f) => f.startsWith(chart.crds!.prefix)).sort();
    if (!files.length) throw new Error(`${folder}/kustomization.yaml: resources: got no file starting with ${chart.crds.prefix}, expected ${chart.chart}'s CRDs`);
    const dir = join(staging, 'chart-crds', chart.chart);
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const text = await source(`${folder}/${file}`, localDir);
      if (text === undefined) throw new Error(`--from: got ${localDir} without ${file}, expected every CRD its kustomization.yaml lists`);
      writeFileSync(join(dir, file), text);
    }
    writeFileSync(join(dir, 'source.json'), `${JSON.stringify({ chart: chart.chart, version: chart.version, folder, files }, null, 2)}\n`);
    console.log(`importing ${chart.chart} ${chart.version} CRDs for dist/ (${files.length} from ${folder})`);
  }
}

replaceDirectoryAtomically(outDir, fill).catch((error: Error) => {
  console.error(`import: ${error.message.split('\n')[0]}`);
  console.error('import failed: imports/ was left unchanged.');
  process.exitCode = 1;
});
