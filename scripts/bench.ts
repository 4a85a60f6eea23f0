// `npm run bench [-- --sizes 0,10,100,1000] [--runs N] [--json] [--no-stock] [--stock-max 1000]
//   [--stock-timeout 120] [--profile]`: times `npm run synth` for the platform plus N generated apps,
// each run in a fresh process, and the stock cdk8s path (`cdk8s synth` through ts-node, type-checking
// and transpile-only) on the same project for comparison. Results: docs/performance.md.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countObjects, writeBenchApps } from './bench/apps';
import { renderProfile, summarizeProfile } from './bench/profile';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,10,100,1000' },
    runs: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-stock': { type: 'boolean', default: false },
    'stock-max': { type: 'string', default: '1000' },
    'stock-timeout': { type: 'string', default: '120' },
    profile: { type: 'boolean', default: false },
  },
});
const root = process.cwd();
const sizes = args.sizes!.split(',').map(Number);
const stockTimeoutMs = Number(args['stock-timeout']) * 1000;
const log = (line: string) => !args.json && console.error(line);
const work = mkdtempSync(join(tmpdir(), 'hobby-bench-'));
const rssPreload = join(work, 'rss.cjs');
// Every Node process of a run (the cdk8s CLI and the app it starts, too) appends its own peak RSS in
// kB when it exits; the bench reports the largest. Works without GNU time.
writeFileSync(rssPreload, "process.on('exit', () => require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'));\n");

type Path = 'synth' | 'stock' | 'stock-transpile-only';
const LABELS: Record<Path, string> = {
  synth: 'npm run synth (esbuild bundle)',
  stock: 'cdk8s synth + ts-node',
  'stock-transpile-only': 'cdk8s synth + ts-node, transpile-only',
};

interface Measurement {
  readonly path: Path;
  readonly apps: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly peakRssMiB: number;
  readonly objects: number;
  readonly objectsPerSecond: number;
  /** Why there is no figure (a run went past --stock-timeout). */
  readonly skipped?: string;
}

interface RunResult {
  readonly ms: number;
  readonly status: number | null;
  readonly timedOut: boolean;
  readonly stderr: string;
}

/** Runs a command in its own process group (so a timeout kills the app cdk8s started, too). */
function run(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(command[0]!, command.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ ms: Number(process.hrtime.bigint() - started) / 1e6, status, timedOut, stderr });
    });
  });
}

async function measure(path: Path, apps: number, runs: number, command: readonly string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Measurement> {
  const times: number[] = [];
  let rssKiB = 0;
  let objects = 0;
  for (let r = 0; r < runs; r++) {
    const out = join(work, 'out');
    const rssFile = join(work, 'rss.txt');
    rmSync(out, { recursive: true, force: true });
    rmSync(rssFile, { force: true });
    const result = await run(command, cwd, { ...process.env, ...env, CDK8S_OUTDIR: out, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${rssPreload}` }, timeoutMs);
    if (result.timedOut) {
      const skipped = `a run took over ${timeoutMs / 1000} s`;
      log(`  ${LABELS[path]}, ${apps} apps: skipped, ${skipped}`);
      return { path, apps, runs: 0, medianMs: NaN, minMs: NaN, maxMs: NaN, peakRssMiB: NaN, objects: NaN, objectsPerSecond: NaN, skipped };
    }
    if (result.status !== 0) throw new Error(`${LABELS[path]} with ${apps} apps failed (exit ${result.status}):\n${result.stderr}`);
    times.push(result.ms);
    if (existsSync(rssFile)) rssKiB = Math.max(rssKiB, ...readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number));
    objects = countObjects(out);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  log(`  ${LABELS[path]}, ${apps} apps: ${Math.round(medianMs)} ms (${times.map(Math.round).join(', ')})`);
  return {
    path,
    apps,
    runs,
    medianMs: Math.round(medianMs),
    minMs: Math.round(sorted[0]!),
    maxMs: Math.round(sorted.at(-1)!),
    peakRssMiB: Math.round(rssKiB / 1024),
    objects,
    objectsPerSecond: Math.round(objects / (medianMs / 1000)),
  };
}

/**
 * A copy of the project as a stock cdk8s user would have it: CommonJS, a plain tsconfig, ts-node,
 * `scripts/bench/stock-main.ts` as the app (fs + require instead of the `virtual:apps` module).
 */
function stockProject(): string {
  const dir = join(work, 'stock');
  for (const d of ['config', 'lib', 'charts', 'imports', 'scripts/bench']) cpSync(join(root, d), join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  const compilerOptions = { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', lib: ['ES2023'], strict: true, skipLibCheck: true, esModuleInterop: true, resolveJsonModule: true, types: ['node'] };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, include: ['**/*.ts'] }, null, 2)}\n`);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function main(): Promise<void> {
  const results: Measurement[] = [];
  const appsDir = join(work, 'apps');
  const stockDir = args['no-stock'] ? undefined : stockProject();
  const profiles: string[] = [];
  const synthCommand = [process.execPath, join(root, 'scripts/run.mjs'), join(root, 'scripts/synth.ts')];
  const cdk8s = join(root, 'node_modules/.bin/cdk8s');
  const stockCommand = (transpileOnly: boolean) => [
    cdk8s,
    'synth',
    '--app',
    `node -r ts-node/register${transpileOnly ? '/transpile-only' : ''} scripts/bench/stock-main.ts`,
    '--output',
    join(work, 'out'),
    '--no-check-upgrade',
  ];
  const stockGaveUp = new Set<Path>();

  for (const n of sizes) {
    log(`${n} apps:`);
    writeBenchApps(appsDir, n);
    const runs = Number(args.runs ?? (n >= 1000 ? 3 : 5));
    const env = { HOBBY_APPS_DIR: appsDir };
    results.push(await measure('synth', n, runs, synthCommand, root, env, 600_000));

    if (args.profile) {
      // The bundle the last run built, run once more under the V8 sampling profiler.
      const dir = join(work, 'profile');
      rmSync(dir, { recursive: true, force: true });
      const r = await run([process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, join(root, '.cache/synth.cjs')], root, { ...process.env, ...env, CDK8S_OUTDIR: join(work, 'out') }, 600_000);
      if (r.status !== 0) throw new Error(`profiling failed:\n${r.stderr}`);
      profiles.push(renderProfile(n, summarizeProfile(join(dir, readdirSync(dir)[0]!))));
    }

    if (stockDir && n <= Number(args['stock-max'])) {
      const stockRuns = Math.min(runs, n >= 1000 ? 1 : 3);
      for (const path of ['stock', 'stock-transpile-only'] as const) {
        // Once a size went past the timeout, larger sizes will too.
        if (stockGaveUp.has(path)) {
          results.push({ path, apps: n, runs: 0, medianMs: NaN, minMs: NaN, maxMs: NaN, peakRssMiB: NaN, objects: NaN, objectsPerSecond: NaN, skipped: 'a smaller size took too long' });
          continue;
        }
        const m = await measure(path, n, stockRuns, stockCommand(path === 'stock-transpile-only'), stockDir, env, stockTimeoutMs);
        if (m.skipped) stockGaveUp.add(path);
        results.push(m);
      }
    }
  }
  rmSync(work, { recursive: true, force: true });

  const find = (path: Path, n: number) => results.find((r) => r.path === path && r.apps === n && !r.skipped);
  const ratio = (path: Path) => (find(path, 1000) && find(path, 100) ? find(path, 1000)!.medianMs / find(path, 100)!.medianMs : undefined);
  const linearity = ratio('synth');
  const cpuModel = readCpuModel();
  const machine = { cpus: cpus().length, cpu: cpuModel, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, os: `${process.platform} ${release()}` };

  if (args.json) {
    console.log(JSON.stringify({ machine, results, linearity1000over100: linearity, stockLinearity1000over100: ratio('stock') }, null, 2));
    return;
  }
  const cell = (v: number, unit = '') => (Number.isNaN(v) ? '—' : `${v}${unit}`);
  console.log(`machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.os}\n`);
  console.log('| path | apps | runs | median wall | min–max | peak RSS | objects | objects/s | vs synth |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const base = find('synth', r.apps);
    const vs = r.path === 'synth' || r.skipped || !base ? '' : `${(r.medianMs / base.medianMs).toFixed(1)}×`;
    const wall = r.skipped ? `skipped: ${r.skipped}` : `${r.medianMs} ms`;
    console.log(`| ${LABELS[r.path]} | ${r.apps} | ${r.runs} | ${wall} | ${r.skipped ? '—' : `${r.minMs}–${r.maxMs} ms`} | ${cell(r.peakRssMiB, ' MiB')} | ${cell(r.objects)} | ${cell(r.objectsPerSecond)} | ${vs} |`);
  }
  if (linearity !== undefined) console.log(`\nt(1000) / t(100) = ${linearity.toFixed(1)} (target: at most 12)`);
  if (profiles.length) console.log(`\n${profiles.join('\n')}`);
}

function readCpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? 'unknown';
}

main().catch((error: unknown) => {
  rmSync(work, { recursive: true, force: true });
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
