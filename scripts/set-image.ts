// `npm run set-image -- <app> <image:tag>`: changes one app's image tag (what an app repo's CI calls).
import { readFileSync, writeFileSync } from 'node:fs';
import { setImageInSource } from '../lib/app-files';
import { DNS_LABEL } from '../lib/names';

const [app, ref, ...rest] = process.argv.slice(2);
if (!app || !ref || rest.length > 0) {
  console.error('usage: npm run set-image -- <app> <image:tag|image@digest>');
  process.exit(2);
}
const file = `apps/${app}.ts`;
try {
  if (!DNS_LABEL.test(app)) throw new Error(`${JSON.stringify(app)} is not an app name`);
  const source = readFileSync(file, 'utf8');
  const updated = setImageInSource(source, ref, file);
  if (updated === source) console.log(`${file} already uses ${ref}`);
  else {
    writeFileSync(file, updated);
    console.log(`${file}: image set to ${ref}; run \`npm run synth\` to render it.`);
  }
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  console.error(`set-image: ${e.code === 'ENOENT' ? `${file} does not exist` : e.message}`);
  process.exit(1);
}
