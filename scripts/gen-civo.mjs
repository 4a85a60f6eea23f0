#!/usr/bin/env node
// Regenerates the Civo provider bindings in bootstrap/.gen (committed; never edit them by hand).
// No prebuilt Civo package exists for CDKTF, so the bindings come from the provider schema.
//   npm run bootstrap:gen                                   # offline, from the default schema file
//   npm run bootstrap:gen -- --schema <providers-schema.json> [--provider-version 1.2.6]
//   npm run bootstrap:gen -- --out <dir>                    # elsewhere (the tests compare with .gen)
//   npm run bootstrap:gen -- --online                       # `cdktf get` (needs terraform + registry)
// Offline mode feeds a `terraform providers schema -json` document to the same generator `cdktf get`
// uses (@cdktf/provider-generator), so both modes write the same layout and bookkeeping files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
}

if (process.argv.includes('--online')) {
  // cdktf get reads bootstrap/cdktf.json, runs `terraform init` against the registry, asks Terraform
  // for the schema and generates into codeMakerOutput (.gen). cdktf-cli is not a dependency: npx
  // fetches the pinned version on demand.
  console.log(`running npx ${CDKTF_CLI} get in bootstrap/`);
  execFileSync('npx', ['--yes', CDKTF_CLI, 'get', '--force'], { cwd: bootstrapDir, stdio: 'inherit' });
  addOverrides(join(bootstrapDir, '.gen', 'providers', 'civo'));
  process.exit(0);
}

const schemaPath = resolve(option('--schema', join(root, 'bootstrap', 'schema', 'civo-provider-schema.json')));
const providerVersion = option('--provider-version', DEFAULT_PROVIDER_VERSION);
const outDir = resolve(option('--out', join(bootstrapDir, '.gen')));
if (!existsSync(schemaPath)) {
  console.error(`schema not found: ${schemaPath}\n(pass --schema <file> with the output of \`terraform providers schema -json\`, or use --online)`);
  process.exit(1);
}
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
if (!schema.provider_schemas?.[FQPN]) {
  console.error(`${schemaPath}: no provider_schemas["${FQPN}"] (is this \`terraform providers schema -json\` output?)`);
  process.exit(1);
}
// `cdktf get` adds this map from `terraform version -json`; the generator records it in the bindings.
schema.provider_versions = { ...schema.provider_versions, [FQPN]: providerVersion };

// @cdktf/commons runs `terraform version -json` and may phone home on load; neither is needed here.
process.env.CHECKPOINT_DISABLE ??= '1';
const require = createRequire(import.meta.url);
const { CodeMaker, TerraformProviderGenerator, TerraformProviderConstraint } = require('@cdktf/provider-generator');
const commons = require(require.resolve('@cdktf/commons', { paths: [dirname(require.resolve('@cdktf/provider-generator/package.json'))] }));

const code = new CodeMaker();
const generator = new TerraformProviderGenerator(code, schema);
generator.generate(new commons.ConstructsMakerProviderTarget(new TerraformProviderConstraint(CONSTRAINT), commons.LANGUAGES[0]));

// The same bookkeeping files `cdktf get` writes next to the bindings (it reads them to skip work).
const constraint = new TerraformProviderConstraint(CONSTRAINT);
code.openFile('versions.json');
code.line(JSON.stringify(generator.versions, null, 2));
code.closeFile('versions.json');
code.openFile('constraints.json');
code.line(JSON.stringify({ cdktf: commons.DISPLAY_VERSION, providers: { [constraint.fqn]: constraint.version } }, null, 2));
code.closeFile('constraints.json');

// Start from an empty folder so a resource dropped from the schema does not leave stale files.
rmSync(join(outDir, 'providers', 'civo'), { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await code.save(outDir);
addOverrides(join(outDir, 'providers', 'civo'));
console.log(`wrote ${relative(root, join(outDir, 'providers', 'civo'))} from ${relative(root, schemaPath)} (civo ${providerVersion})`);
// The generator's `terraform version` probe would keep the event loop busy for a moment.
process.exit(0);
