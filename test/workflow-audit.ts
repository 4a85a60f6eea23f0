import { parse } from 'yaml';

/*
 * The rules that keep the deploy path's power away from code nobody reviewed, checked on a
 * workflow's text (parsed with the project's YAML parser). A job's power is an environment (where
 * production, drift and bootstrap secrets live), a secret, or a write permission of its token.
 *   - checkout:      every actions/checkout sets persist-credentials: false (no token left in .git/config)
 *   - secret scope:  a secret appears only in a step's env or with, never in workflow or job env
 *   - main only:     a job with an environment or an environment's secret runs only from main
 *                    (push to main, schedule, or workflow_dispatch behind `if: github.ref == 'refs/heads/main'`)
 *   - install:       a job with power installs no package without --ignore-scripts
 *   - branch code:   a job with power that can run from another ref runs none of the repository's code
 *   - checkout ref:  a job with power checks out the run's own commit, never a ref from the event
 *   - permissions:   the workflow says what its token may do
 * Each finding reads `file: jobs.<id>: what: got X, expected Y`.
 */

type Dict = Record<string, unknown>;
interface Step {
  uses?: string;
  run?: string;
  with?: Dict;
  env?: Dict;
}
interface Job {
  if?: unknown;
  environment?: string | { name?: string };
  permissions?: unknown;
  steps?: Step[];
  uses?: string;
  [key: string]: unknown;
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  env?: Dict;
  jobs?: Record<string, Job>;
}

/** Repository secrets that are not a deployment's: the job token, and the bot token Renovate branches use. */
const REPOSITORY_SECRETS = new Set(['GITHUB_TOKEN', 'BOT_TOKEN']);
/** Events that run the default branch's workflow at its head, whatever started them. */
const DEFAULT_BRANCH_EVENTS = new Set(['schedule', 'workflow_run', 'repository_dispatch', 'issues', 'issue_comment', 'discussion', 'discussion_comment', 'label', 'milestone', 'watch', 'fork', 'gollum', 'public', 'status', 'check_run', 'check_suite']);
const MAIN_GUARD = /^(github\.ref\s*==\s*(['"])refs\/heads\/main\2|(['"])refs\/heads\/main\3\s*==\s*github\.ref)$/;
const OWN_COMMIT_REFS = new Set(['${{ github.sha }}', '${{ github.ref }}', 'main', 'refs/heads/main']);
const INSTALL = /^(?:npm\s+(?:ci|clean-install|install|i|add|it|install-test|install-ci-test)|pnpm\s+(?:install|i|add)|yarn(?:\s+(?:install|add))?)(?:\s|$)/;
/** Commands that run the repository's code or its dependencies' (first word of a command). */
const CODE_RUNNERS = new Set(['npm', 'npx', 'node', 'pnpm', 'yarn', 'tsx', 'bun', 'deno', 'make', 'bash', 'sh', 'source', '.', 'python', 'python3']);

/** The commands of a run script: each segment of a list or pipeline, and each command substitution, without leading assignments and keywords. */
function commandsOf(script: string): string[] {
  const substitutions = [...script.matchAll(/\$\(|`/g)].map((m) => script.slice(m.index + m[0].length));
  return [script, ...substitutions]
    .flatMap((text, i) => (i === 0 ? text.split(/\n|;|&&|\|\||\|/) : [text.split(/\n|;|&&|\|\||\||\)|`/)[0]!]))
    .map((c) => c.trim().replace(/^(?:(?:then|do|else|if|while|until|!|\{|\()\s+|[A-Za-z_]\w*=(?:"[^"]*"|'[^']*'|\S*)\s+)*/, ''))
    .filter(Boolean);
}

const runsRepositoryCode = (command: string) => {
  const first = command.split(/\s+/)[0]!;
  return CODE_RUNNERS.has(first) || /^\.{1,2}\//.test(first) || /(^|\/)scripts\//.test(first);
};

const expressions = (text: string) => [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!);

/** Secret names an expression text refers to (`*` for the whole secrets context). */
function secretsIn(text: string, bare = false): string[] {
  const names: string[] = [];
  for (const expr of bare ? [text] : expressions(text)) {
    for (const m of expr.matchAll(/\bsecrets\b(?:\s*\.\s*([A-Za-z_][\w-]*)|\s*\[\s*['"]([^'"]+)['"]\s*\])?/g)) names.push(m[1] ?? m[2] ?? '*');
    if (/\bgithub\.token\b/.test(expr)) names.push('GITHUB_TOKEN');
  }
  return names;
}

/** Every secret reference under `value`, with the dotted path it sits at. */
function secretRefs(value: unknown, path: string): { path: string; name: string }[] {
  if (typeof value === 'string') return secretsIn(value, path.endsWith('.if')).map((name) => ({ path, name }));
  if (Array.isArray(value)) return value.flatMap((v, i) => secretRefs(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretRefs(v, `${path}.${k}`));
  return [];
}

const triggersOf = (on: unknown): Dict =>
  typeof on === 'string' ? { [on]: null } : Array.isArray(on) ? Object.fromEntries(on.map((t) => [t, null])) : ((on ?? {}) as Dict);

/** True when the job's `if` cannot pass unless the run is on main. */
function guardedToMain(job: Job): boolean {
  if (typeof job.if !== 'string') return false;
  const condition = job.if.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  if (condition.includes('||')) return false;
  return condition.split('&&').some((part) => MAIN_GUARD.test(part.trim().replace(/^\((.*)\)$/, '$1').trim()));
}

/** The triggers that can run `job` from a ref other than main (its guard considered). */
function otherRefTriggers(triggers: Dict, job: Job): string[] {
  const guarded = guardedToMain(job);
  return Object.entries(triggers).flatMap(([event, filter]) => {
    if (event === 'pull_request_target') return [event]; // github.ref is the base branch: a guard does not tell
    if (DEFAULT_BRANCH_EVENTS.has(event) || guarded) return [];
    if (event === 'push') {
      const f = (filter ?? {}) as Dict;
      const mainOnly = Array.isArray(f.branches) && f.branches.length === 1 && f.branches[0] === 'main' && !f['branches-ignore'] && !f.tags && !f['tags-ignore'];
      return mainOnly ? [] : ['push'];
    }
    return [event];
  });
}

function writes(permissions: unknown): boolean | undefined {
  if (permissions === undefined) return undefined;
  if (typeof permissions === 'string') return permissions === 'write-all';
  return Object.values((permissions ?? {}) as Dict).some((v) => v === 'write');
}

const isCheckout = (step: Step) => typeof step.uses === 'string' && /^actions\/checkout@/.test(step.uses);

/** The findings for one workflow file's text; none for a workflow that keeps its power to main's reviewed code. */
export function auditWorkflow(text: string, file: string): string[] {
  const workflow = parse(text) as Workflow;
  const findings: string[] = [];
  const at = (where: string, problem: string) => findings.push(`${file}: ${where}: ${problem}`);
  const triggers = triggersOf(workflow.on);

  for (const ref of secretRefs(workflow.env, 'env')) at(ref.path, `got secret ${ref.name} in the workflow's env, expected it in the env of the steps that use it`);

  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    const where = `jobs.${id}`;
    const steps = job.steps ?? [];
    const refs = secretRefs(job, where);
    const names = new Set(refs.map((r) => r.name));
    const environment = typeof job.environment === 'object' ? job.environment?.name : job.environment;
    const privileged = Boolean(environment) || [...names].some((n) => !REPOSITORY_SECRETS.has(n));
    const jobWrites = writes(job.permissions) ?? writes(workflow.permissions);
    const powerful = privileged || [...names].some((n) => n !== 'GITHUB_TOKEN') || jobWrites !== false;

    if (job.permissions === undefined && workflow.permissions === undefined) at(where, 'permissions: got none (the repository default), expected the workflow or job to name what its token may do');

    for (const ref of refs) {
      if (!/^jobs\.[^.]+\.steps\[\d+\]\.(env|with)\./.test(ref.path)) at(ref.path, `got secret ${ref.name} outside a step's env or with, expected it scoped to the steps that use it`);
    }

    steps.forEach((step, i) => {
      if (isCheckout(step) && String(step.with?.['persist-credentials']) !== 'false') at(`${where}.steps[${i}]`, `${step.uses}: got persist-credentials ${step.with?.['persist-credentials'] ?? 'unset'} (the token stays in .git/config for every later step), expected persist-credentials: false`);
    });

    if (privileged) {
      for (const event of otherRefTriggers(triggers, job)) {
        const why = event === 'pull_request_target' ? 'runs for any pull request' : event === 'workflow_dispatch' ? 'can be dispatched from any branch' : 'runs from refs other than main';
        at(where, `on.${event}: got a job with ${environment ? `environment ${environment}` : 'an environment secret'} that ${why}, expected main only (push to main, schedule, or \`if: github.ref == 'refs/heads/main'\`)`);
      }
    }

    if (!powerful) continue;
    const power = privileged ? (environment ? `environment ${environment}` : 'an environment secret') : [...names].some((n) => n !== 'GITHUB_TOKEN') ? `secret ${[...names].filter((n) => n !== 'GITHUB_TOKEN').join(', ')}` : 'a token that can write';
    const fromOtherRefs = otherRefTriggers(triggers, job);
    steps.forEach((step, i) => {
      const commands = typeof step.run === 'string' ? commandsOf(step.run) : [];
      for (const command of commands) {
        if (INSTALL.test(command) && !command.includes('--ignore-scripts')) at(`${where}.steps[${i}]`, `${command}: got an install that runs the packages' install scripts beside ${power}, expected --ignore-scripts (or the install in a job without power)`);
      }
      if (fromOtherRefs.length) {
        const code = typeof step.uses === 'string' && step.uses.startsWith('./') ? step.uses : commands.find(runsRepositoryCode);
        if (code) at(`${where}.steps[${i}]`, `${code}: got the repository's code run with ${power} from ${fromOtherRefs.join(', ')}, expected that code in a job without power`);
      }
      if (isCheckout(step) && step.with?.ref !== undefined && !OWN_COMMIT_REFS.has(String(step.with.ref).trim())) {
        at(`${where}.steps[${i}]`, `${step.uses}: got ref ${String(step.with.ref)} beside ${power}, expected the run's own commit (no ref, or \${{ github.sha }})`);
      }
    });
  }
  return findings;
}
