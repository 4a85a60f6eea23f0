// `npm run new-app -- <name> --image ghcr.io/me/app:1.0.0 [--host sub] [--port 8080]`: writes apps/<name>.ts.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { appSources as existingSources } from 'virtual:apps';
import { cluster } from '../config/cluster';
import { appNameProblem, newAppSource, newAppSpec, portProblem } from '../lib/app-files';
import { refuseSecrets } from '../lib/secret-scan';
import { renderPlatform } from '../platform';
import { exitWith, parseCommandLine } from '../lib/cli';
import { SpecError } from '../lib/validation';

const usage = 'npm run new-app -- <name> --image ghcr.io/me/app:1.0.0 [--host sub] [--port 8080]';
const { positionals, values } = parseCommandLine(
  'new-app',
  { usage, about: 'Writes apps/<name>.ts for one container image, after the same checks synth applies (name, image, port, a host no\nother app or the platform uses, object names, secrets), short of writing dist/. --host is the subdomain of config/cluster.ts\'s domain; --port defaults to 8080.' },
  { image: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  process.argv.slice(2),
  { min: 1, max: 1 },
);
const name = positionals[0]!;
if (values.image === undefined) exitWith('new-app', '--image: got nothing, expected the image to deploy, such as ghcr.io/me/app:1.0.0', 2, usage);
if (!existsSync('apps')) exitWith('new-app', 'apps/: got no such folder, expected to run from the repository root');
const existing = readdirSync('apps').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
async function main(): Promise<void> {
  const problem = appNameProblem(name, existing) ?? (values.port === undefined ? undefined : portProblem(values.port));
  if (problem) throw new Error(problem);
  const options = { image: values.image!, host: values.host, port: values.port === undefined ? undefined : Number(values.port) };
  const file = `apps/${name}.ts`;
  // What synth does, short of writing dist/: every app validated, then across apps and with the
  // platform's hosts, rendered (object names against each other and the operators'), and the
  // rendered files scanned for secrets; so new-app never writes a file synth would refuse. The new
  // app comes last: a host another app or the platform already has is reported against the new
  // file, which is the one to change.
  const appSources = [...existingSources.filter((s) => s.file !== file), { file, exports: { default: newAppSpec(name, options) } }];
  const { files, apps } = renderPlatform({ cluster, appSources });
  await refuseSecrets(files, apps, process.cwd());
  writeFileSync(file, newAppSource(name, options), { flag: 'wx' });
  console.log(`wrote ${file}; run \`npm run synth\` to render it into dist/.`);
}

main().catch((error: unknown) => exitWith('new-app', error instanceof SpecError ? error.message : (error as Error).message));
