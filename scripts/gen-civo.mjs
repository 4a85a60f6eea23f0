#!/usr/bin/env node
// Regenerates the Civo provider bindings in bootstrap/.gen (committed; never edit them by hand).
// No prebuilt Civo package exists for CDKTF, so the bindings come from the provider schema.
//   npm run bootstrap:gen                                   # offline, from the default schema file
//   npm run bootstrap:gen -- --schema <providers-schema.json> [--provider-version 1.2.6]
//   npm run bootstrap:gen -- --out <dir>                    # elsewhere (the tests compare with .gen)
//   npm run bootstrap:gen -- --online                       # `cdktf get` (needs terraform + registry)
// Offline mode feeds a `terraform providers schema -json` document to the same generator `cdktf get`
// uses (@cdktf/provider-generator), so both modes write the same layout and bookkeeping files.
// Offline, the bindings are built in a sibling folder and swapped in for the output folder only once
// they are complete: a failure at any point leaves the committed bindings exactly as they were.
// Plain Node (no TypeScript runner), so the flags are parsed here, in lib/cli.ts's words.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bootstrapDir = join(root, 'bootstrap');

/** Keep in step with terraformProviders in bootstrap/cdktf.json. */
const CONSTRAINT = 'civo/civo@~> 1.2';
const FQPN = 'registry.terraform.io/civo/civo';
/** The release the default schema file (bootstrap/schema/) was taken from: civo/terraform-provider-civo v1.2.6. */
const DEFAULT_PROVIDER_VERSION = '1.2.6';
const CDKTF_CLI = 'cdktf-cli@0.21.0';

/**
 * The generator emits members that override cdktf base-class members without the `override`
 * keyword; the repository compiles with `noImplicitOverride`. Adding the keyword changes nothing at
 * run time. Any pattern a future generator writes differently shows up as a tsc error, not silently.
 */
const OVERRIDES = [
  [/constructor\(protected terraformResource: cdktf\.IInterpolatingParent, protected terraformAttribute: string, protected wrapsSet: boolean\)/g,
    'constructor(protected override terraformResource: cdktf.IInterpolatingParent, protected override terraformAttribute: string, protected override wrapsSet: boolean)'],
  [/^(\s+)protected (synthesizeAttributes|synthesizeHclAttributes)\(/gm, '$1protected override $2('],
  [/^(\s+)public (get|set) alias\(/gm, '$1public override $2 alias('],
];

function addOverrides(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) addOverrides(path);
    else if (name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = OVERRIDES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}

const usage = 'npm run bootstrap:gen [-- --schema <providers-schema.json>] [--provider-version 1.2.6] [--out <dir>] | [-- --online]';
const about = `Regenerates the Civo provider bindings in bootstrap/.gen from a \`terraform providers schema -json\` document
(default: bootstrap/schema/civo-provider-schema.json, civo ${DEFAULT_PROVIDER_VERSION}), or with --online through \`cdktf get\`.
The new bindings are built aside and replace --out (default bootstrap/.gen) whole, only once complete.`;
const optionSpec = { schema: { type: 'string' }, 'provider-version': { type: 'string' }, out: { type: 'string' }, online: { type: 'boolean', default: false } };

function usageError(problem) {
  console.error(`bootstrap:gen: ${problem} (see --help)`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const end = argv.indexOf('--');
if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
  process.stdout.write(`usage: ${usage}\n\n${about}\n`);
  process.exit(0);
}
let values;
try {
  ({ values } = parseArgs({ args: argv, options: optionSpec, allowPositionals: false, strict: true }));
} catch (error) {
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1] ?? '(arguments)';
  const flags = Object.keys(optionSpec).map((o) => `--${o}`).join(', ');
  usageError(
    error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? `${flag}: got an unknown option, expected one of ${flags}`
      : error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
        ? `${flag}: got no value, expected ${flag} <value>`
        : `(arguments): got ${JSON.stringify(argv)}, expected ${usage}`,
  );
}
for (const name of ['schema', 'provider-version', 'out']) {
  if (values[name]?.startsWith('-')) usageError(`--${name}: got no value, expected --${name} <value>`);
}

if (values.online) {
  // cdktf get reads bootstrap/cdktf.json, runs `terraform init` against the registry, asks Terraform
  // for the schema and generates into codeMakerOutput (.gen). cdktf-cli is not a dependency: npx
  // fetches the pinned version on demand.
  console.log(`running npx ${CDKTF_CLI} get in bootstrap/`);
  execFileSync('npx', ['--yes', CDKTF_CLI, 'get', '--force'], { cwd: bootstrapDir, stdio: 'inherit' });
  addOverrides(join(bootstrapDir, '.gen', 'providers', 'civo'));
  process.exit(0);
}

const schemaPath = resolve(values.schema ?? join(root, 'bootstrap', 'schema', 'civo-provider-schema.json'));
const providerVersion = values['provider-version'] ?? DEFAULT_PROVIDER_VERSION;
const outDir = resolve(values.out ?? join(bootstrapDir, '.gen'));
const fail = (problem) => {
  console.error(`bootstrap:gen: ${problem}`);
  console.error(`bootstrap:gen failed: ${relative(root, outDir) || outDir} was left unchanged.`);
  process.exit(1);
};
if (!existsSync(schemaPath)) fail(`--schema: got ${schemaPath}, which does not exist, expected the output of \`terraform providers schema -json\` (or use --online)`);
let schema;
try {
  schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
} catch (error) {
  fail(`${schemaPath}: got no JSON (${error.message.split('\n')[0]}), expected the output of \`terraform providers schema -json\``);
}
if (!schema?.provider_schemas?.[FQPN]) fail(`${schemaPath}: provider_schemas: got no "${FQPN}", expected \`terraform providers schema -json\` output for the Civo provider`);
// `cdktf get` adds this map from `terraform version -json`; the generator records it in the bindings.
schema.provider_versions = { ...schema.provider_versions, [FQPN]: providerVersion };

// @cdktf/commons runs `terraform version -json` and may phone home on load; neither is needed here.
process.env.CHECKPOINT_DISABLE ??= '1';
const require = createRequire(import.meta.url);
const { CodeMaker, TerraformProviderGenerator, TerraformProviderConstraint } = require('@cdktf/provider-generator');
const commons = require(require.resolve('@cdktf/commons', { paths: [dirname(require.resolve('@cdktf/provider-generator/package.json'))] }));

// Built aside, in a sibling folder (same file system, so the swap is two renames), then swapped in.
const staging = join(dirname(outDir), `.${basename(outDir)}-next-${process.pid}`);
const previous = join(dirname(outDir), `.${basename(outDir)}-previous-${process.pid}`);
try {
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  const constraint = new TerraformProviderConstraint(CONSTRAINT);
  generator.generate(new commons.ConstructsMakerProviderTarget(constraint, commons.LANGUAGES[0]));
  // The same bookkeeping files `cdktf get` writes next to the bindings (it reads them to skip work).
  code.openFile('versions.json');
  code.line(JSON.stringify(generator.versions, null, 2));
  code.closeFile('versions.json');
  code.openFile('constraints.json');
  code.line(JSON.stringify({ cdktf: commons.DISPLAY_VERSION, providers: { [constraint.fqn]: constraint.version } }, null, 2));
  code.closeFile('constraints.json');
  await code.save(staging);
  if (!existsSync(join(staging, 'providers', 'civo', 'index.ts'))) throw new Error('the generator wrote no providers/civo/index.ts');
  addOverrides(join(staging, 'providers', 'civo'));
  // A whole new folder, so a resource dropped from the schema leaves no stale files; the old one
  // is put back if the second rename fails.
  const hadPrevious = existsSync(outDir);
  if (hadPrevious) renameSync(outDir, previous);
  try {
    renameSync(staging, outDir);
  } catch (error) {
    if (hadPrevious) renameSync(previous, outDir);
    throw error;
  }
  rmSync(previous, { recursive: true, force: true });
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  fail(process.env.DEBUG ? error.stack : String(error?.message ?? error).split('\n')[0]);
}
console.log(`wrote ${relative(root, join(outDir, 'providers', 'civo'))} from ${relative(root, schemaPath)} (civo ${providerVersion})`);
// The generator's `terraform version` probe would keep the event loop busy for a moment.
process.exit(0);
