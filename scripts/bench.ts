// `npm run bench [-- --sizes 0,10,100,1000] [--runs N] [--json] [--no-stock]`: times `npm run synth`
// for the platform plus N generated apps, each run in a fresh process, and the stock cdk8s path
// (`cdk8s synth` through ts-node) on the same project for comparison. Results: docs/performance.md.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,10,100,1000' },
    runs: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-stock': { type: 'boolean', default: false },
    'stock-max': { type: 'string', default: '100' },
  },
});
const root = process.cwd();
const sizes = args.sizes!.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'hobby-bench-'));
const rssPreload = join(work, 'rss.cjs');
// Records the child's peak RSS (kB) when it exits; works without GNU time.
writeFileSync(rssPreload, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");

/** N app declarations of the shapes real apps have: plain, with secrets, autoscaled, with a volume. */
function writeApps(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const spec: Record<string, unknown> = { image: `ghcr.io/bench/app-${i}:1.0.${i}`, port: 8080, hosts: [`app-${i}`], healthPath: '/healthz' };
    if (i % 4 === 1) Object.assign(spec, { secrets: true, egressPorts: [5432] });
    if (i % 4 === 2) Object.assign(spec, { autoscaling: { minReplicas: 2, maxReplicas: 4 } });
    if (i % 4 === 3) Object.assign(spec, { volume: { mountPath: '/data', size: '1Gi' } });
    writeFileSync(join(dir, `app-${i}.ts`), `export default ${JSON.stringify(spec)};\n`);
  }
}

function countObjects(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else n += readFileSync(join(d, e.name), 'utf8').split(/^---$/m).length;
    }
  };
  walk(dir);
  return n;
}

interface Measurement {
  readonly path: 'synth' | 'stock';
  readonly apps: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly peakRssMiB: number;
  readonly objects: number;
  readonly objectsPerSecond: number;
}

function measure(path: Measurement['path'], apps: number, runs: number, command: string[], cwd: string, env: Record<string, string>): Measurement {
  const times: number[] = [];
  let rss = 0;
  let objects = 0;
  for (let r = 0; r < runs; r++) {
    const out = join(work, 'out');
    rmSync(out, { recursive: true, force: true });
    const rssFile = join(work, 'rss.txt');
    const started = process.hrtime.bigint();
    const result = spawnSync(command[0]!, command.slice(1), {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env, CDK8S_OUTDIR: out, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${rssPreload}` },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${path} with ${apps} apps failed:\n${result.stderr}`);
    times.push(ms);
    if (existsSync(rssFile)) rss = Math.max(rss, Number(readFileSync(rssFile, 'utf8')) / 1024);
    objects = countObjects(out);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  return { path, apps, runs, medianMs: Math.round(medianMs), peakRssMiB: Math.round(rss), objects, objectsPerSecond: Math.round(objects / (medianMs / 1000)) };
}

/** A copy of the project as a stock cdk8s app: CommonJS, ts-node, no esbuild runner. */
function stockProject(): string {
  const dir = join(work, 'stock');
  for (const d of ['config', 'lib', 'charts', 'imports', 'scripts/bench']) cpSync(join(root, d), join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, skipLibCheck: true, esModuleInterop: true, types: ['node'] }, include: ['**/*.ts'] }));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const results: Measurement[] = [];
const appsDir = join(work, 'apps');
const stockDir = args['no-stock'] ? undefined : stockProject();
for (const n of sizes) {
  writeApps(appsDir, n);
  const runs = Number(args.runs ?? (n >= 1000 ? 3 : 5));
  results.push(measure('synth', n, runs, [process.execPath, join(root, 'scripts/run.mjs'), join(root, 'scripts/synth.ts')], root, { HOBBY_APPS_DIR: appsDir }));
  if (stockDir && n <= Number(args['stock-max'])) {
    const cdk8s = join(root, 'node_modules/.bin/cdk8s');
    const app = `node -r ts-node/register scripts/bench/stock-main.ts`;
    results.push(measure('stock', n, Math.min(runs, 3), [cdk8s, 'synth', '--app', app, '--output', join(work, 'out'), '--no-check-upgrade'], stockDir, { HOBBY_APPS_DIR: appsDir }));
  }
  if (!args.json) console.error(`measured ${n} apps`);
}
rmSync(work, { recursive: true, force: true });

const synth = (n: number) => results.find((r) => r.path === 'synth' && r.apps === n);
const linearity = synth(1000) && synth(100) ? synth(1000)!.medianMs / synth(100)!.medianMs : undefined;
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };

if (args.json) {
  console.log(JSON.stringify({ machine, results, linearity1000over100: linearity }, null, 2));
} else {
  console.log(`machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
  console.log('| path | apps | runs | median wall | peak RSS | objects | objects/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.path === 'synth' ? 'synth (esbuild bundle)' : 'cdk8s synth + ts-node'} | ${r.apps} | ${r.runs} | ${r.medianMs} ms | ${r.peakRssMiB} MiB | ${r.objects} | ${r.objectsPerSecond} |`);
  if (linearity !== undefined) console.log(`\nt(1000) / t(100) = ${linearity.toFixed(1)} (target: at most 12)`);
}
