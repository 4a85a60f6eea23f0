// `npm run synth`: renders dist/ from config/, charts/ and apps/. Atomic: on any error, dist/ is untouched.
// `--outdir <dir>` (cdk8s.yaml's app) or CDK8S_OUTDIR (the benchmark) write elsewhere.
import { resolve } from 'node:path';
import { parseCommandLine } from '../lib/cli';
import { SpecError } from '../lib/validation';

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseCommandLine('synth', { usage: 'npm run synth [-- --outdir <dir>]', about: 'Renders dist/ from config/, charts/ and apps/ (or into --outdir). On any error dist/ is left unchanged.' }, { outdir: { type: 'string' } });
  // An empty CDK8S_OUTDIR is unset, never the current folder (which the swap would replace with dist/'s files).
  const outdir = resolve(values.outdir || process.env.CDK8S_OUTDIR || 'dist');
  // `cdk8s synth` empties CDK8S_OUTDIR before running us and lists what it finds there afterwards.
  const cdk8sOutdir = values.outdir && process.env.CDK8S_OUTDIR ? resolve(process.env.CDK8S_OUTDIR) : undefined;
  try {
    // Loaded inside the try: config/cluster.ts and apps/*.ts validate as they load.
    const { cluster } = await import('../config/cluster');
    const { appSources } = await import('virtual:apps');
    const { synthesize } = await import('../platform');
    const { writeTreeAtomically } = await import('../lib/output');
    const files = await synthesize({ cluster, appSources, outdir, root: process.cwd() });
    if (cdk8sOutdir && cdk8sOutdir !== outdir) writeTreeAtomically(cdk8sOutdir, files);
    const objects = [...files.values()].reduce((n, text) => n + text.split('\n---\n').length, 0);
    console.log(`synth: ${objects} objects in ${files.size} files -> ${outdir} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    // A declaration problem is the whole message; anything else is one line (DEBUG=1 shows the stack).
    if (error instanceof SpecError) console.error(error.message);
    else console.error(`synth: ${process.env.DEBUG ? (error as Error).stack : String((error as Error)?.message ?? error).split('\n')[0]}`);
    console.error('synth failed: dist/ was left unchanged.');
    process.exitCode = 1;
  }
}

// Exits once dist/ is written rather than after V8's idle-time GC tasks (~15 ms of every synth).
void main().then(() => process.exit());
