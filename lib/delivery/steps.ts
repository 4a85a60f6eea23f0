import { groupOf, type Phase } from '../render';
import type { ChartJobs } from './chart-installs';
import type { DistObject } from './manifests';

/*
 * A step of the apply plan (lib/delivery/plan.ts builds them, lib/delivery/run.ts runs them), and
 * how the plan prints: exactly the commands the runner runs.
 */

export type StepKind = 'policy' | 'setup' | 'inventory' | 'parents' | 'apply' | 'prune' | 'secret' | 'wait' | 'present' | 'jobs' | 'recovery' | 'rollout' | 'diff' | 'helm' | 'workloads' | 'health';

export interface Step {
  readonly phase: Phase | 'setup' | 'check' | 'end';
  readonly kind: StepKind;
  readonly title: string;
  /** The exact command, starting with `kubectl` (for `jobs`: the one the runner polls). */
  readonly argv: readonly string[];
  /** More reads of the same poll (`helm`: the Jobs' pods; `workloads`: the other namespaces). */
  readonly reads?: readonly (readonly string[])[];
  /** `helm`: the chart Jobs it waits for (lib/delivery/chart-installs.ts). */
  readonly chartJobs?: ChartJobs;
  /** Extra environment (shown in the plan as a prefix). */
  readonly env?: Readonly<Record<string, string>>;
  /** Content piped on stdin: what the plan shows, and how it is built at run time. */
  readonly stdin?: { readonly describe: string; readonly render: (env: NodeJS.ProcessEnv) => string };
  /** `Kind.group` of the custom-resource objects this step sends to the API server. */
  readonly customKinds: readonly string[];
  /** CRD names this step waits for. */
  readonly waitsForCrds?: readonly string[];
  /** The objects of dist/ the step compares the cluster with (policy, inventory: all of them; diff: its phase's). */
  readonly dist?: ReadonlyMap<string, DistObject>;
  /** `jobs`, `recovery`, `rollout`: how long the runner polls before it gives up (`15m`). */
  readonly timeout?: string;
  /** `present`: what it waits for (lib/delivery/presence.ts). */
  readonly presence?: { readonly condition: string; readonly refs: readonly string[] };
  /** `apply`, `prune`: the phase's objects of dist/, in order; `rollout`: the workloads it may wait for; `health`: the objects it judges. */
  readonly objects?: readonly DistObject[];
  /**
   * Run only when this run wrote something (sent or pruned) in one of these phases, and, if given,
   * in this namespace or to one of these objects (keys): a wait for what did not change is skipped.
   */
  readonly when?: { readonly phases: readonly Phase[]; readonly namespace?: string; readonly keys?: readonly string[] };
}

/** How long each wait may take; `npm run apply -- --timeout <name>=<duration>` changes one. */
export const DEFAULT_TIMEOUTS = {
  crd: '5m',
  helmJob: '15m',
  webhook: '5m',
  rollout: '5m',
  namespace: '5m',
  database: '15m',
  job: '15m',
  recovery: '60m',
  certificate: '10m',
  secretStore: '2m',
  externalSecret: '3m',
};

/** How often the runner reads the Jobs of a `jobs` step. */
export const JOB_POLL_MS = 2000;

export const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
export const namespaceOf = (o: DistObject) => o.manifest.metadata.namespace ?? 'default';
export const isKind = (o: DistObject, group: string, kind: string) => o.manifest.kind === kind && groupOf(o.manifest.apiVersion) === group;

// ---------------------------------------------------------------------------------------------
// Printing

/** POSIX shell quoting, only where needed. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(step: Step): string {
  const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
  return `${env}${step.argv.map(shellQuote).join(' ')}`;
}

export function formatPlan(steps: readonly Step[]): string {
  const lines: string[] = [];
  let phase: string | undefined;
  for (const step of steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      lines.push(`${lines.length ? '\n' : ''}# == ${phase} ==`);
    }
    lines.push(`# ${step.title}`);
    if (step.stdin) lines.push(`#   stdin: ${step.stdin.describe}`);
    lines.push(commandLine(step));
    for (const read of step.reads ?? []) lines.push(read.map(shellQuote).join(' '));
  }
  return `${lines.join('\n')}\n`;
}
