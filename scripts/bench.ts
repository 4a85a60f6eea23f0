// `npm run bench [-- --sizes 0,10,100,1000] [--runs N] [--json] [--no-stock] [--no-kustomize]
//   [--kustomize-runs 11] [--stock-max 1000] [--stock-timeout 120] [--profile]`: times the synth for
// the platform plus N generated apps, each run in a fresh process, against what the targets are
// stated in, in the same run: `kubectl kustomize` re-emitting the same dist/ (platform plus example
// apps), and the yaml library serializing and writing the same objects (whose output must be
// byte-identical to synth's); and the stock cdk8s path (`cdk8s synth` through ts-node,
// type-checking and transpile-only) for comparison. Results: docs/performance.md.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { exitWith, parseCommandLine } from '../lib/cli';
import { parseAllDocuments } from 'yaml';
import { cluster } from '../config/cluster';
import { countObjects, writeBenchApps } from './bench/apps';
import { renderProfile, summarizeProfile } from './bench/profile';

const { values: args } = parseCommandLine(
  'bench',
  {
    usage: 'npm run bench -- [--sizes 0,10,100,1000] [--runs N] [--json] [--no-stock] [--no-kustomize] [--kustomize-runs N] [--stock-max N] [--stock-timeout S] [--profile]',
    about: 'Times the synth for the platform plus N generated apps against kubectl kustomize, the yaml library and stock cdk8s (docs/performance.md).',
  },
  {
    sizes: { type: 'string', default: '0,10,100,1000' },
    runs: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-stock': { type: 'boolean', default: false },
    'no-kustomize': { type: 'boolean', default: false },
    'kustomize-runs': { type: 'string', default: '11' },
    'stock-max': { type: 'string', default: '1000' },
    'stock-timeout': { type: 'string', default: '120' },
    profile: { type: 'boolean', default: false },
  },
);
const root = process.cwd();
const sizes = args.sizes!.split(',').map(Number);
for (const [flag, value] of [['sizes', sizes.join(',')], ['runs', args.runs ?? '1'], ['kustomize-runs', args['kustomize-runs']], ['stock-max', args['stock-max']], ['stock-timeout', args['stock-timeout']]] as const) {
  if (!String(value).split(',').every((v) => /^\d+$/.test(v))) exitWith('bench', `--${flag}: got ${JSON.stringify(flag === 'sizes' ? args.sizes : value)}, expected whole numbers`, 2);
}
const stockTimeoutMs = Number(args['stock-timeout']) * 1000;
const log = (line: string) => !args.json && console.error(line);
const work = mkdtempSync(join(tmpdir(), 'hobby-bench-'));
const rssPreload = join(work, 'rss.cjs');
// Every Node process of a run (the cdk8s CLI and the app it starts, too) appends its own peak RSS in
// kB when it exits; the bench reports the largest. Works without GNU time.
writeFileSync(rssPreload, "process.on('exit', () => require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'));\n");

type Path = 'synth' | 'yaml-library' | 'kustomize' | 'stock' | 'stock-transpile-only';
const LABELS: Record<Path, string> = {
  synth: 'synth (`node scripts/run.mjs scripts/synth.ts`)',
  'yaml-library': 'the same objects through the yaml library, written',
  kustomize: '`kubectl kustomize` re-emitting the same dist/',
  stock: 'cdk8s synth + ts-node',
  'stock-transpile-only': 'cdk8s synth + ts-node, transpile-only',
};
/** The example apps of apps/ (what dist/ holds), as opposed to N generated ones. */
const EXAMPLES = 'examples';
type Apps = number | typeof EXAMPLES;

interface Measurement {
  readonly path: Path;
  readonly apps: Apps;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly peakRssMiB: number;
  readonly objects: number;
  readonly objectsPerSecond: number;
  /** Why there is no figure (a run went past --stock-timeout, or kubectl is not available). */
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

const skippedRow = (path: Path, apps: Apps, skipped: string): Measurement => ({ path, apps, runs: 0, medianMs: NaN, minMs: NaN, maxMs: NaN, peakRssMiB: NaN, objects: NaN, objectsPerSecond: NaN, skipped });
const median = (sorted: number[]) => (sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2);

interface Candidate {
  readonly path: Path;
  readonly apps: Apps;
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Where the run writes its YAML (emptied before each run); objects are counted there. */
  readonly out: string;
  /** A folder the objects are counted in instead (kustomize writes to stdout). */
  readonly objectsIn?: string;
}

/**
 * Times candidates that are compared with each other round by round (A, B, A, B, ...), so that
 * the load of a shared machine falls on both alike. Median wall time per candidate, peak RSS.
 */
async function measureTogether(candidates: readonly Candidate[], runs: number, timeoutMs: number): Promise<Measurement[]> {
  const times = candidates.map(() => [] as number[]);
  const rss = candidates.map(() => 0);
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of candidates.entries()) {
      const rssFile = join(work, 'rss.txt');
      rmSync(c.out, { recursive: true, force: true });
      rmSync(rssFile, { force: true });
      const result = await run(c.command, c.cwd, { ...process.env, ...c.env, CDK8S_OUTDIR: c.out, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${rssPreload}` }, timeoutMs);
      if (result.timedOut) {
        log(`  ${LABELS[c.path]}, ${c.apps} apps: skipped, a run took over ${timeoutMs / 1000} s`);
        return [skippedRow(c.path, c.apps, `a run took over ${timeoutMs / 1000} s`)];
      }
      if (result.status !== 0) throw new Error(`${LABELS[c.path]} with ${c.apps} apps failed (exit ${result.status}):\n${result.stderr}`);
      times[i]!.push(result.ms);
      if (existsSync(rssFile)) rss[i] = Math.max(rss[i]!, ...readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number));
    }
  }
  return candidates.map((c, i) => {
    const sorted = [...times[i]!].sort((a, b) => a - b);
    const medianMs = median(sorted);
    const objects = countObjects(c.objectsIn ?? c.out);
    log(`  ${LABELS[c.path]}, ${c.apps} apps: ${Math.round(medianMs)} ms (${times[i]!.map(Math.round).join(', ')})`);
    return {
      path: c.path,
      apps: c.apps,
      runs,
      medianMs: Math.round(medianMs),
      minMs: Math.round(sorted[0]!),
      maxMs: Math.round(sorted.at(-1)!),
      // kubectl is not a Node process: no RSS figure for it.
      peakRssMiB: rss[i] ? Math.round(rss[i]! / 1024) : NaN,
      objects,
      objectsPerSecond: Math.round(objects / (medianMs / 1000)),
    };
  });
}

/**
 * A copy of the project as a stock cdk8s user would have it: CommonJS, a plain tsconfig, ts-node,
 * `scripts/bench/stock-main.ts` as the app (fs + require instead of the `virtual:apps` module).
 */
function stockProject(): string {
  const dir = join(work, 'stock');
  for (const d of ['config', 'lib', 'charts', 'imports', 'scripts/bench', 'platform.ts']) cpSync(join(root, d), join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  const compilerOptions = { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', lib: ['ES2023'], strict: true, skipLibCheck: true, esModuleInterop: true, resolveJsonModule: true, types: ['node'] };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, include: ['**/*.ts'] }, null, 2)}\n`);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Every YAML file below `dir`, by relative path. */
function yamlTree(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of yamlTree(join(dir, e.name), rel)) files.set(k, v);
    else files.set(rel, readFileSync(join(dir, e.name), 'utf8'));
  }
  return files;
}

/** The objects of synth's output, per file, as the yaml-library reference reads them. */
function objectsFile(out: string, target: string): void {
  const files = [...yamlTree(out)].map(([path, text]) => [path, parseAllDocuments(text).map((d) => d.toJS())]);
  writeFileSync(target, JSON.stringify(files));
}

/** Throws unless the two trees hold the same files with the same bytes. */
function assertSameTree(synthOut: string, libraryOut: string, apps: Apps): void {
  const a = yamlTree(synthOut);
  const b = yamlTree(libraryOut);
  const differs = [...new Set([...a.keys(), ...b.keys()])].find((f) => a.get(f) !== b.get(f));
  if (differs) throw new Error(`with ${apps} apps, synth wrote ${differs} differently from the yaml library: the emitter (lib/yaml-emitter.ts) is wrong`);
}

/** kubectl of the pinned Kubernetes version, found or built by scripts/build-control-plane.sh (as test:cluster does). */
function findKubectl(version: string): { kubectl?: string; why?: string } {
  const built = spawnSync('bash', [join(root, 'scripts/build-control-plane.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60 * 60_000 });
  const dir = built.stdout?.trim().split('\n').pop();
  if (built.status === 0 && dir && existsSync(join(dir, 'kubectl'))) return { kubectl: join(dir, 'kubectl') };
  return { why: (built.stderr || String(built.error ?? 'failed')).trim().split('\n').pop() };
}

async function main(): Promise<void> {
  const results: Measurement[] = [];
  const appsDir = join(work, 'apps');
  const stockDir = args['no-stock'] ? undefined : stockProject();
  const profiles: string[] = [];
  const synthCommand = [process.execPath, join(root, 'scripts/run.mjs'), join(root, 'scripts/synth.ts')];
  const libraryCommand = (input: string, out: string) => [process.execPath, join(root, 'scripts/run.mjs'), join(root, 'scripts/bench/yaml-library.ts'), input, out];
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
  const untimed = async (command: readonly string[], env: Record<string, string>) => {
    const r = await run(command, root, { ...process.env, ...env }, 600_000);
    if (r.status !== 0) throw new Error(`${command.slice(1).join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  };

  // The platform plus the example apps (dist/ itself) against kubectl kustomize re-emitting that dist/.
  if (!args['no-kustomize']) {
    log('platform + example apps, against kubectl kustomize:');
    const out = join(work, 'out-examples');
    const { kubectl, why } = findKubectl(cluster.kubernetes.version.replace(/^v/, '').replace(/-.*$/, ''));
    await untimed(synthCommand, { CDK8S_OUTDIR: out }); // builds the cached bundles, untimed
    if (!kubectl) {
      log(`  kubectl kustomize: skipped, ${why}`);
      results.push(skippedRow('kustomize', EXAMPLES, `no kubectl: ${why}`));
    } else {
      const kustomizeDir = join(work, 'kustomize');
      cpSync(out, join(kustomizeDir, 'dist'), { recursive: true });
      mkdirSync(join(work, 'kustomized'));
      writeFileSync(join(kustomizeDir, 'kustomization.yaml'), `resources:\n${[...yamlTree(out).keys()].map((f) => `- dist/${f}\n`).join('')}`);
      const runs = Number(args['kustomize-runs']);
      results.push(
        ...(await measureTogether(
          [
            { path: 'synth', apps: EXAMPLES, command: synthCommand, cwd: root, env: {}, out },
            { path: 'kustomize', apps: EXAMPLES, command: [kubectl, 'kustomize', kustomizeDir, '-o', join(work, 'kustomized', 'all.yaml')], cwd: root, env: {}, out: join(work, 'unused'), objectsIn: join(work, 'kustomized') },
          ],
          runs,
          600_000,
        )),
      );
    }
  }

  for (const n of sizes) {
    log(`${n} apps:`);
    writeBenchApps(appsDir, n);
    const runs = Number(args.runs ?? 5);
    const env = { HOBBY_APPS_DIR: appsDir };
    const synthOut = join(work, 'out-synth');
    const libraryOut = join(work, 'out-library');
    const objects = join(work, 'objects.json');
    // Untimed first runs: the new apps rebuild the cached bundle; the reference gets its input.
    await untimed(synthCommand, { ...env, CDK8S_OUTDIR: synthOut });
    objectsFile(synthOut, objects);
    await untimed(libraryCommand(objects, libraryOut), {});
    const measured = await measureTogether(
      [
        { path: 'synth', apps: n, command: synthCommand, cwd: root, env, out: synthOut },
        { path: 'yaml-library', apps: n, command: libraryCommand(objects, libraryOut), cwd: root, env: {}, out: libraryOut },
      ],
      runs,
      600_000,
    );
    // dist/ is what the yaml library would write: checked on every size's output, byte for byte.
    assertSameTree(synthOut, libraryOut, n);
    results.push(...measured);

    if (args.profile) {
      // One more synth run under the V8 sampling profiler (the runner and both bundles included).
      const dir = join(work, 'profile');
      rmSync(dir, { recursive: true, force: true });
      const r = await run([process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...synthCommand.slice(1)], root, { ...process.env, ...env, CDK8S_OUTDIR: join(work, 'out') }, 600_000);
      if (r.status !== 0) throw new Error(`profiling failed:\n${r.stderr}`);
      profiles.push(renderProfile(n, summarizeProfile(join(dir, readdirSync(dir)[0]!))));
    }

    if (stockDir && n <= Number(args['stock-max'])) {
      const stockRuns = Math.min(runs, n >= 1000 ? 1 : 3);
      for (const path of ['stock', 'stock-transpile-only'] as const) {
        // Once a size went past the timeout, larger sizes will too.
        if (stockGaveUp.has(path)) {
          results.push(skippedRow(path, n, 'a smaller size took too long'));
          continue;
        }
        const [m] = await measureTogether([{ path, apps: n, command: stockCommand(path === 'stock-transpile-only'), cwd: stockDir, env, out: join(work, 'out') }], stockRuns, stockTimeoutMs);
        if (m!.skipped) stockGaveUp.add(path);
        results.push(m!);
      }
    }
  }
  rmSync(work, { recursive: true, force: true });

  const find = (path: Path, n: Apps) => results.find((r) => r.path === path && r.apps === n && !r.skipped);
  const over = (a?: Measurement, b?: Measurement) => (a && b ? a.medianMs / b.medianMs : undefined);
  const largest = Math.max(...sizes);
  const targets = {
    synthOverKustomize: over(find('synth', EXAMPLES), find('kustomize', EXAMPLES)),
    synthOverYamlLibrary: over(find('synth', largest), find('yaml-library', largest)),
    largestApps: largest,
    peakRssMiB: find('synth', largest)?.peakRssMiB,
    linearity1000over100: over(find('synth', 1000), find('synth', 100)),
    stockOverSynth: over(find('stock', largest), find('synth', largest)),
    stockTranspileOnlyOverSynth: over(find('stock-transpile-only', largest), find('synth', largest)),
  };
  const cpuModel = readCpuModel();
  const machine = { cpus: cpus().length, cpu: cpuModel, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, os: `${process.platform} ${release()}` };

  if (args.json) {
    console.log(JSON.stringify({ machine, results, targets, linearity1000over100: targets.linearity1000over100, stockLinearity1000over100: over(find('stock', 1000), find('stock', 100)) }, null, 2));
    return;
  }
  const cell = (v: number, unit = '') => (Number.isNaN(v) ? '—' : `${v}${unit}`);
  console.log(`machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.os}\n`);
  console.log('| path | apps | runs | median wall | min–max | peak RSS | objects | objects/s | vs synth |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const base = find('synth', r.apps);
    const vs = r.path === 'synth' || r.skipped || !base ? '' : `${(r.medianMs / base.medianMs).toFixed(2)}×`;
    const wall = r.skipped ? `skipped: ${r.skipped}` : `${r.medianMs} ms`;
    console.log(`| ${LABELS[r.path]} | ${r.apps} | ${r.runs} | ${wall} | ${r.skipped ? '—' : `${r.minMs}–${r.maxMs} ms`} | ${cell(r.peakRssMiB, ' MiB')} | ${cell(r.objects)} | ${cell(r.objectsPerSecond)} | ${vs} |`);
  }
  const verdict = (value: number | undefined, ok: (v: number) => boolean, text: (v: number) => string) => (value === undefined ? '| not measured |' : `| ${text(value)} | ${ok(value) ? 'met' : 'MISSED'} |`);
  console.log('\n| target | measured | |\n| --- | --- | --- |');
  console.log(`| synth (platform + example apps) at most 2.5× \`kubectl kustomize\` on the same output ${verdict(targets.synthOverKustomize, (v) => v <= 2.5, (v) => `${v.toFixed(2)}×`)}`);
  console.log(`| ${largest} apps: at most 1.0× the yaml library serializing and writing the same objects ${verdict(targets.synthOverYamlLibrary, (v) => v <= 1.0, (v) => `${v.toFixed(2)}×`)}`);
  console.log(`| ${largest} apps: peak RSS under 256 MiB ${verdict(targets.peakRssMiB, (v) => v < 256, (v) => `${v} MiB`)}`);
  console.log(`| linear in N: t(1000) / t(100) at most 12 ${verdict(targets.linearity1000over100, (v) => v <= 12, (v) => v.toFixed(1))}`);
  if (targets.stockOverSynth !== undefined) console.log(`\nAt ${largest} apps, stock cdk8s + ts-node takes ${targets.stockOverSynth.toFixed(1)}× as long as synth (transpile-only: ${targets.stockTranspileOnlyOverSynth?.toFixed(1)}×).`);
  console.log('\nEvery size: synth\'s output is byte-identical to the yaml library\'s (checked).');
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
