// `npm run set-image -- <app> <image:tag>`: changes one app's image tag by hand (Renovate proposes the same edit when an app's registry has a new tag).
import { readFileSync, writeFileSync } from 'node:fs';
import { setImageInSource } from '../lib/app-files';
import { exitWith, parseCommandLine } from '../lib/cli';
import { DNS_LABEL } from '../lib/names';

const usage = 'npm run set-image -- <app> <image:tag|image@digest>';
const { positionals } = parseCommandLine('set-image', { usage, about: 'Changes the image of apps/<app>.ts (Renovate proposes the same edit when the registry has a new tag).' }, {}, process.argv.slice(2), { min: 2, max: 2 });
const [app, ref] = positionals as [string, string];
if (!DNS_LABEL.test(app)) exitWith('set-image', `<app>: got ${JSON.stringify(app)}, expected an app name (the file name of apps/<app>.ts)`, 2, usage);
const file = `apps/${app}.ts`;
let source: string;
try {
  source = readFileSync(file, 'utf8');
} catch {
  exitWith('set-image', `<app>: got ${app}, expected an existing app (${file} does not exist)`);
}
try {
  const updated = setImageInSource(source, ref, file);
  if (updated === source) console.log(`${file} already uses ${ref}`);
  else {
    writeFileSync(file, updated);
    console.log(`${file}: image set to ${ref}; run \`npm run synth\` to render it.`);
  }
} catch (error) {
  exitWith('set-image', (error as Error).message);
}
