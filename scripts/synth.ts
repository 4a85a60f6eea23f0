// `npm run synth`: renders dist/ from config/, charts/ and apps/. Atomic: on any error, dist/ is untouched.
import { resolve } from 'node:path';
import { SpecError } from '../lib/validation';

async function main(): Promise<void> {
  const started = performance.now();
  const outdir = resolve(process.env.CDK8S_OUTDIR ?? 'dist');
  try {
    // Loaded inside the try: config/cluster.ts and apps/*.ts validate as they load.
    const { cluster } = await import('../config/cluster');
    const { appSources } = await import('virtual:apps');
    const { renderPlatform } = await import('../lib/platform');
    const { writeTreeAtomically } = await import('../lib/output');
    const { files } = renderPlatform({ cluster, appSources });
    writeTreeAtomically(outdir, files);
    const objects = [...files.values()].reduce((n, text) => n + text.split('\n---\n').length, 0);
    console.log(`synth: ${objects} objects in ${files.size} files -> ${outdir} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    console.error(error instanceof SpecError ? error.message : error);
    console.error('synth failed: dist/ was left unchanged.');
    process.exitCode = 1;
  }
}

void main();
