// `npm run new-app -- <name> [--image ghcr.io/me/app:1.0.0] [--host sub] [--port 8080]`: writes apps/<name>.ts.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { appNameProblem, newAppSource } from '../lib/app-files';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { image: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
});
const name = positionals[0];
if (!name || positionals.length > 1) {
  console.error('usage: npm run new-app -- <name> [--image ghcr.io/me/app:1.0.0] [--host sub] [--port 8080]');
  process.exit(2);
}
const existing = existsSync('apps') ? readdirSync('apps').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)) : [];
try {
  const problem = appNameProblem(name, existing);
  if (problem) throw new Error(problem);
  const port = values.port === undefined ? undefined : Number(values.port);
  const source = newAppSource(name, { image: values.image, host: values.host, port });
  writeFileSync(`apps/${name}.ts`, source, { flag: 'wx' });
  console.log(`wrote apps/${name}.ts; run \`npm run synth\` to render it into dist/.`);
} catch (error) {
  console.error(`new-app: ${(error as Error).message}`);
  process.exit(1);
}
