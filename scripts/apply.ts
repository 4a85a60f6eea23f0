import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlan, DEFAULT_MAX_PRUNE, formatPlan, runPlan, type Spawner } from '../lib/delivery/apply';
import { readDistDir } from '../lib/delivery/diff';

/*
 * npm run apply -- [--plan | --dry-run | --drift] [--allow-destructive] [--max-prune N] [--dist dist]
 *   (default)  the phased apply CI runs on merge (needs KUBECONFIG, INFISICAL_CLIENT_ID/SECRET)
 *   --plan     print the exact kubectl commands, in order, without touching a cluster
 *   --dry-run  the same commands with --dry-run=server (no waits)
 *   --drift    kubectl diff per phase plus the ApplySet prune listing; exit 1 on drift
 *   --allow-destructive  let the prune delete protected kinds / more than --max-prune (default 10, env APPLY_MAX_PRUNE)
 *   --skip-rollouts      no `rollout status` waits after phase 04 (the k3d end-to-end job)
 * Exit codes: 0 done, 1 drift, 2 error, 3 the prune guard refused.
 */

const usage = 'usage: npm run apply -- [--plan | --dry-run | --drift] [--allow-destructive] [--max-prune N] [--skip-rollouts] [--dist <dir>]';
const { values } = parseArgs({
  options: {
    plan: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    drift: { type: 'boolean', default: false },
    'allow-destructive': { type: 'boolean', default: false },
    'skip-rollouts': { type: 'boolean', default: false },
    'max-prune': { type: 'string', default: String(process.env.APPLY_MAX_PRUNE ?? DEFAULT_MAX_PRUNE) },
    dist: { type: 'string', default: 'dist' },
    kubectl: { type: 'string', default: process.env.KUBECTL ?? 'kubectl' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (Number(values.plan) + Number(values['dry-run']) + Number(values.drift) > 1) {
  console.error(`apply: --plan, --dry-run and --drift exclude each other\n${usage}`);
  process.exit(2);
}
const maxPrune = Number(values['max-prune']);
if (!Number.isInteger(maxPrune) || maxPrune < 0) {
  console.error(`apply: --max-prune must be a whole number, got ${values['max-prune']}`);
  process.exit(2);
}

const files = readDistDir(resolve(values.dist));
if (!files.size) {
  console.error(`apply: no manifests under ${values.dist}/ (run npm run synth)`);
  process.exit(2);
}
const mode = values['dry-run'] ? 'dry-run' : values.drift ? 'drift' : 'apply';
const steps = buildPlan({ files, distDir: values.dist, mode: values.plan ? 'apply' : mode, rollouts: !values['skip-rollouts'] });

if (values.plan) {
  process.stdout.write(formatPlan(steps));
  process.exit(0);
}

const kubectl = values.kubectl;
const spawn: Spawner = (argv, opts) => {
  const [cmd, ...args] = argv[0] === 'kubectl' ? [kubectl, ...argv.slice(1)] : argv;
  const r = spawnSync(cmd!, args, {
    env: opts.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) console.error(`apply: ${cmd}: ${r.error.message}`);
  if (opts.capture && r.stdout) process.stdout.write(r.stdout);
  return { status: r.error ? 127 : r.status, stdout: r.stdout ?? '' };
};

const result = runPlan(steps, {
  mode,
  env: process.env,
  spawn,
  log: (line) => console.log(line),
  maxPrune,
  allowDestructive: values['allow-destructive'],
});
(result.code === 0 ? console.log : console.error)(`\napply: ${result.message}`);
process.exit(result.code);
