import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { DEFAULT_MAX_PRUNE } from '../lib/delivery/guard';
import { buildPlan, DEFAULT_TIMEOUTS, formatPlan } from '../lib/delivery/plan';
import { durationMs } from '../lib/delivery/jobs';
import { runPlan, type Spawner } from '../lib/delivery/run';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects } from '../lib/delivery/manifests';
import { foldersOf, infisicalStores } from '../lib/delivery/secret-zero';
import { exitWith, parseCommandLine } from '../lib/cli';

/*
 * npm run apply -- [--plan | --dry-run | --drift] [--allow-destructive] [--max-prune N] [--dist dist]
 *   (default)  the phased apply CI runs on merge (needs a target and INFISICAL_IDENTITIES)
 *   --plan     print the exact kubectl commands, in order, without touching a cluster
 *   --dry-run  the same commands with --dry-run=server (no waits)
 *   --drift    kubectl diff per phase plus the inventory (not in dist/, missing, hand-added labels); exit 1 on drift
 *   --allow-destructive  let the prune delete protected kinds / more than --max-prune (default 10, env APPLY_MAX_PRUNE)
 *   --skip-rollouts      no waits for the apps' one-off Jobs (after phase 04) and rollouts (after 05): the k3d end-to-end job
 *   --skip-health        no health checks (chart installs, chart workloads, Certificates, secrets, databases, backups)
 *   --timeout NAME=DUR   bound one kind of wait (repeatable): certificate=10m, helmJob=15m, … (--help lists them)
 *   --report FILE        write what the run did (per phase: time, sent, pruned, health; the failure) as JSON
 *   --context NAME       the kubeconfig context to write to
 *   --identities-template  print the INFISICAL_IDENTITIES JSON dist/ needs, with placeholders
 * Every mode but --plan needs an explicit target, KUBECONFIG or --context: a default kubeconfig
 * that happens to point at some cluster is never written to. The API server is printed first.
 * Exit codes: 0 done, 1 drift, 2 error, 3 the prune guard refused.
 */

const usage = 'npm run apply -- [--plan | --dry-run | --drift | --identities-template] [--context NAME] [--allow-destructive] [--max-prune N] [--skip-rollouts] [--skip-health] [--timeout NAME=DURATION]... [--report FILE] [--dist <dir>]';
const timeoutNames = Object.entries(DEFAULT_TIMEOUTS).map(([k, v]) => `${k}=${v}`).join(', ');
const { values } = parseCommandLine('apply', { usage, about: `Applies dist/ in phases (the CI deploy job); --plan prints the kubectl commands without a cluster, --dry-run runs them\nwith --dry-run=server, --drift reports what differs. Every mode but --plan needs KUBECONFIG or --context.\nAfter each phase and at the end it checks health (chart installs, the charts' workloads, Certificates, SecretStores,\nExternalSecrets, databases, backups); --timeout NAME=DURATION bounds one kind of wait (defaults: ${timeoutNames}).\n--report FILE writes what the run did as JSON (the deploy job's summary and statuses read it).\nExit codes: 0 done, 1 drift, 2 error, 3 the prune guard refused.` }, {
    plan: { type: 'boolean', default: false },
    'identities-template': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    drift: { type: 'boolean', default: false },
    'allow-destructive': { type: 'boolean', default: false },
    'skip-rollouts': { type: 'boolean', default: false },
    'skip-health': { type: 'boolean', default: false },
    timeout: { type: 'string', multiple: true, default: [] },
    report: { type: 'string' },
    'max-prune': { type: 'string', default: String(process.env.APPLY_MAX_PRUNE ?? DEFAULT_MAX_PRUNE) },
    dist: { type: 'string', default: 'dist' },
    kubectl: { type: 'string', default: process.env.KUBECTL ?? 'kubectl' },
    context: { type: 'string' },
});

if (Number(values.plan) + Number(values['dry-run']) + Number(values.drift) + Number(values['identities-template']) > 1) {
  exitWith('apply', '--plan, --dry-run, --drift and --identities-template exclude each other', 2, usage);
}
const maxPrune = Number(values['max-prune']);
if (!/^\d+$/.test(values['max-prune']!) || !Number.isSafeInteger(maxPrune)) {
  exitWith('apply', `--max-prune: got ${JSON.stringify(values['max-prune'])}, expected a whole number of objects`, 2, usage);
}

// A dist/ the plan cannot be built from (unparsable YAML, an app in a platform namespace) is one
// line naming dist/, never a stack trace (DEBUG=1 shows it).
function fromDist<T>(what: () => T): T {
  try {
    return what();
  } catch (error) {
    const message = process.env.DEBUG ? (error as Error).stack : String((error as Error)?.message ?? error).split('\n')[0];
    return exitWith('apply', `${values.dist}/: ${message} (run npm run synth, and check its errors)`, 2);
  }
}

const files = fromDist(() => readDistDir(resolve(values.dist!)));
if (!files.size) exitWith('apply', `--dist: got ${values.dist}/ with no manifests, expected the rendered dist/ (run npm run synth)`, 2);
if (values['identities-template']) {
  // What INFISICAL_IDENTITIES must hold for this dist/: one entry per namespace, each its own identity.
  const stores = fromDist(() => infisicalStores(collectObjects(files).values()));
  const template = Object.fromEntries(stores.map((s) => [s.namespace, { clientId: `<client id of the identity that reads ${foldersOf(s)}>`, clientSecret: `<its client secret>` }]));
  process.stdout.write(`${JSON.stringify(template, null, 2)}\n`);
  process.exit(0);
}
const mode = values['dry-run'] ? 'dry-run' : values.drift ? 'drift' : 'apply';
const timeouts: Partial<Record<keyof typeof DEFAULT_TIMEOUTS, string>> = {};
for (const t of values.timeout ?? []) {
  const [name, duration] = t.split('=') as [string, string | undefined];
  if (!(name in DEFAULT_TIMEOUTS)) exitWith('apply', `--timeout: got ${JSON.stringify(t)}, expected NAME=DURATION with NAME one of ${Object.keys(DEFAULT_TIMEOUTS).join(', ')}`, 2, usage);
  if (!duration || !/^\d+(ms|s|m|h)$/.test(duration) || durationMs(duration) === 0) exitWith('apply', `--timeout ${name}: got ${JSON.stringify(duration ?? '')}, expected a duration above zero such as 90s, 10m or 1h`, 2, usage);
  timeouts[name as keyof typeof DEFAULT_TIMEOUTS] = duration;
}
const steps = fromDist(() => buildPlan({ files, distDir: values.dist, mode: values.plan ? 'apply' : mode, rollouts: !values['skip-rollouts'], health: !values['skip-health'], timeouts }));

if (values.plan) {
  process.stdout.write(formatPlan(steps));
  process.exit(0);
}

const kubectl = values.kubectl;
const target = values.context ? ['--context', values.context] : [];
const spawn: Spawner = (argv, opts) => {
  const [cmd, ...args] = argv[0] === 'kubectl' ? [kubectl, ...target, ...argv.slice(1)] : argv;
  const r = spawnSync(cmd!, args, {
    env: opts.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', opts.capture ? 'pipe' : 'inherit', opts.capture ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) console.error(`apply: ${cmd}: ${r.error.message}`);
  if (opts.capture && r.stdout && !opts.quiet) process.stdout.write(r.stdout);
  if (opts.capture && r.stderr) process.stderr.write(r.stderr);
  return { status: r.error ? 127 : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

// An explicit target, and say which API server is about to be written to.
if (!values.context && !process.env.KUBECONFIG) {
  console.error('apply: no target cluster: set KUBECONFIG to the cluster\'s kubeconfig or pass --context NAME (the default ~/.kube/config is never used implicitly)');
  process.exit(2);
}
// kubectl skips kubeconfig files that do not exist, then says only `current-context must exist in
// order to minify`: name the missing file instead.
const missingKubeconfigs = (process.env.KUBECONFIG ?? '').split(delimiter).filter((file) => file && !existsSync(file));
if (missingKubeconfigs.length) {
  exitWith('apply', `KUBECONFIG: got ${missingKubeconfigs.join(', ')}, which does not exist, expected the path of the cluster's kubeconfig file`, 2);
}
const server = spawnSync(kubectl, [...target, 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], { encoding: 'utf8', env: process.env });
if (server.error || server.status !== 0 || !server.stdout.trim()) {
  console.error(`apply: cannot resolve the target API server from ${values.context ? `context ${values.context}` : `KUBECONFIG=${process.env.KUBECONFIG}`}: ${(server.error?.message ?? server.stderr).trim()}`);
  process.exit(2);
}
console.log(`apply: ${mode} against ${server.stdout.trim()}${values.context ? ` (context ${values.context})` : ''}`);

const result = runPlan(steps, {
  mode,
  env: process.env,
  spawn,
  log: (line) => console.log(line),
  maxPrune,
  allowDestructive: values['allow-destructive'],
  timeouts,
});
if (values.report) {
  // Written aside and renamed: a reader never sees half a report.
  const file = resolve(values.report);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(result.report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
(result.code === 0 ? console.log : console.error)(`\napply: ${result.message}`);
process.exit(result.code);
