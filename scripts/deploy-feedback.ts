import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitWith, parseCommandLine } from '../lib/cli';
import { parseManifests } from '../lib/delivery/manifests';
import { deployMessage, driftMessage } from '../lib/report/deploy-message';
import { NOTIFY_FORMATS, guessFormat, postWebhook, redactor, webhookRequest, type NotifyFormat } from '../lib/report/deploy-notify';
import { deployVerdict, loadReport, type DeployInputs } from '../lib/report/deploy-outcome';
import { deploySummaryMarkdown, type DeployContext } from '../lib/report/deploy-summary';
import { createDeployment, environmentUrlOf, githubRunFromEnv, runUrlFromEnv, setCommitStatus, setDeploymentStatus, type GitHubRun } from '../lib/report/github-deployment';

/*
 * npm run -s deploy-feedback -- <command>   what the deploy job tells its author, from the reports
 * the apply and the smoke check wrote (lib/report/deploy-report.ts). In the job it runs bundled
 * (node deploy-feedback.cjs). Nothing here decides the deploy's result: the job fails on the apply's
 * and the smoke check's exit codes. A GitHub API error is one line and exit 0, so a GitHub outage
 * neither turns a good deploy red nor hides a failed one; only a notification that cannot be
 * delivered exits 1 (that step runs when the deploy already failed).
 */
const usage =
  'npm run -s deploy-feedback -- deployment start [--environment-url URL] [--dist DIR] | deployment finish --apply-report F [--smoke-report F] [--apply-exit N] [--smoke-exit N] [--deployment-id ID] | summary --apply-report F [--smoke-report F] | notify [--format ntfy|discord|slack] (--apply-report F [--smoke-report F] | --drift-report F) [--link URL]';
const about = `deployment start: creates the GitHub deployment of GITHUB_SHA to production, its status in_progress and the commit status deploy/production pending; writes id= and url= to $GITHUB_OUTPUT.
deployment finish: the deployment's status and the commit status, success or failure, from the reports (and the exit codes, which win).
summary: the job summary (outcome, what changed per phase, health, smoke results, time per phase) to $GITHUB_STEP_SUMMARY, or stdout.
notify: the failure (or drift) message to the webhook in DEPLOY_NOTIFY_URL (a secret, never printed), format from --format, DEPLOY_NOTIFY_FORMAT or the URL's host (discord.com, hooks.slack.com, else ntfy); without the URL it sends nothing (exit 0).
GitHub: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID. A GitHub API error is reported in one line, exit 0.`;
const options = {
  'apply-report': { type: 'string' },
  'smoke-report': { type: 'string' },
  'apply-exit': { type: 'string' },
  'smoke-exit': { type: 'string' },
  'drift-report': { type: 'string' },
  'deployment-id': { type: 'string' },
  'environment-url': { type: 'string' },
  dist: { type: 'string', default: 'dist' },
  format: { type: 'string' },
  link: { type: 'string' },
} as const;
const COMMAND = 'deploy-feedback';
const { values, positionals } = parseCommandLine(COMMAND, { usage, about }, options, process.argv.slice(2), { min: 1, max: 2 });
const usageError = (message: string): never => exitWith(COMMAND, `${message} (see --help)`, 2);
/** A problem that must not change the job's result: one line, an annotation in GitHub Actions. */
const warn = (line: string) => console.error(`${process.env.GITHUB_ACTIONS === 'true' ? '::warning::' : ''}${COMMAND}: ${line}`);

function exitCode(flag: 'apply-exit' | 'smoke-exit'): number | undefined {
  const value = values[flag];
  if (value === undefined || value === '') return undefined; // the step did not run
  if (!/^\d{1,3}$/.test(value)) usageError(`--${flag}: got ${JSON.stringify(value)}, expected an exit code (a number)`);
  return Number(value);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `unreadable: ${(error as Error).message}`; // not JSON: loadReport names the file and the problem
  }
}

function deployInputs(): DeployInputs {
  const applyFile = values['apply-report'];
  if (!applyFile) usageError('--apply-report: got nothing, expected the file apply --report wrote');
  const smokeFile = values['smoke-report'];
  return {
    apply: loadReport('apply', applyFile!, readText(applyFile!)),
    smoke: smokeFile ? loadReport('smoke', smokeFile, readText(smokeFile)) : undefined,
    applyExit: exitCode('apply-exit'),
    smokeExit: exitCode('smoke-exit'),
  };
}

/** --environment-url, else the apex of the hosts dist/'s Ingresses route. */
function environmentUrl(): string | undefined {
  if (values['environment-url']) return values['environment-url'];
  const dist = values.dist;
  if (!existsSync(dist)) return undefined;
  const hosts: string[] = [];
  try {
    for (const phase of readdirSync(dist, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const file of readdirSync(join(dist, phase.name)).filter((f) => /\.ya?ml$/.test(f))) {
        const text = readFileSync(join(dist, phase.name, file), 'utf8');
        if (!/^kind: Ingress$/m.test(text)) continue;
        for (const m of parseManifests(text, `${phase.name}/${file}`)) {
          if (m.kind === 'Ingress') for (const rule of ((m as { spec?: { rules?: { host?: string }[] } }).spec?.rules ?? [])) if (rule.host) hosts.push(rule.host);
        }
      }
    }
  } catch (error) {
    warn(`${dist}/: ${(error as Error).message}; the deployment has no environment URL`);
    return undefined;
  }
  return environmentUrlOf(hosts);
}

function context(): DeployContext {
  return { repository: process.env.GITHUB_REPOSITORY || 'this repository', sha: process.env.GITHUB_SHA || 'unknown', runUrl: runUrlFromEnv(process.env), environmentUrl: environmentUrl() };
}

function githubRun(): GitHubRun | undefined {
  const run = githubRunFromEnv(process.env);
  if ('problem' in run) {
    warn(`${run.problem}; no GitHub deployment or commit status is written, the deploy goes on`);
    return undefined;
  }
  return run;
}

/** Runs one GitHub call; a failure is one warning line, never an exit. */
async function tryGitHub<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    warn(`${(error as Error).message}; the deploy's own result is unchanged`);
    return undefined;
  }
}

function setOutput(name: string, value: string) {
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`);
  else console.log(`${name}=${value}`);
}

async function deploymentStart() {
  const url = environmentUrl();
  setOutput('url', url ?? '');
  const run = githubRun();
  if (!run) return setOutput('id', '');
  const short = run.sha.slice(0, 7);
  const id = await tryGitHub(() => createDeployment(run, `Deploy of ${short} by the Deploy workflow`));
  if (id !== undefined) await tryGitHub(() => setDeploymentStatus(run, id, 'in_progress', `Applying ${short}`, url));
  await tryGitHub(() => setCommitStatus(run, 'pending', `Applying ${short} to production`));
  setOutput('id', id === undefined ? '' : String(id));
  console.error(`${COMMAND}: ${id === undefined ? 'no deployment' : `deployment ${id}`} of ${short} to production, in progress${url ? ` (${url})` : ''}`);
}

async function deploymentFinish() {
  const inputs = deployInputs();
  const rawId = values['deployment-id'] ?? '';
  if (rawId !== '' && !/^\d+$/.test(rawId)) usageError(`--deployment-id: got ${JSON.stringify(rawId)}, expected the id deployment start wrote`);
  const run = githubRun();
  if (!run) return;
  const verdict = deployVerdict(inputs);
  const state = verdict.ok ? 'success' : 'failure';
  const description = verdict.ok ? `Deployed: ${verdict.headline}` : `Failed: ${verdict.headline}`;
  if (rawId === '') warn('--deployment-id: got nothing (deployment start could not create one): only the commit status is written');
  else await tryGitHub(() => setDeploymentStatus(run, Number(rawId), state, description, environmentUrl()));
  await tryGitHub(() => setCommitStatus(run, state, description));
  console.error(`${COMMAND}: ${rawId ? `deployment ${rawId}` : 'commit status'}: ${state}: ${verdict.headline}`);
}

function summary() {
  const inputs = deployInputs();
  const markdown = deploySummaryMarkdown(inputs, context());
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
    console.error(`${COMMAND}: wrote the job summary (${Buffer.byteLength(markdown)} bytes)`);
  } else process.stdout.write(markdown);
}

async function notify() {
  const url = process.env.DEPLOY_NOTIFY_URL ?? '';
  if (values['drift-report'] && values['apply-report']) usageError('--drift-report: got it with --apply-report, expected one of them');
  if (!values['drift-report'] && !values['apply-report']) usageError('--apply-report: got nothing, expected --apply-report F or --drift-report F');
  const chosen = values.format || process.env.DEPLOY_NOTIFY_FORMAT || '';
  if (chosen && !(NOTIFY_FORMATS as readonly string[]).includes(chosen)) usageError(`${values.format ? '--format' : 'DEPLOY_NOTIFY_FORMAT'}: got ${JSON.stringify(chosen)}, expected one of ${NOTIFY_FORMATS.join(', ')}`);
  const message = values['drift-report']
    ? driftMessage(readText(values['drift-report']) ?? '', { repository: process.env.GITHUB_REPOSITORY || 'this repository', link: values.link || runUrlFromEnv(process.env) })
    : { ...deployMessage(deployInputs(), context()), ...(values.link ? { link: values.link } : {}) };
  if (!url) return console.log(`${COMMAND}: DEPLOY_NOTIFY_URL is not set: no message sent (notifications are opt-in: docs/github.md). It would have said: ${message.summary}`);
  const redact = redactor(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return exitWith(COMMAND, 'DEPLOY_NOTIFY_URL: got a value that is not a URL (not shown: it is a secret), expected the webhook\'s https:// URL', 2);
  }
  const format = (chosen as NotifyFormat) || guessFormat(parsed);
  const problem = await postWebhook(format, webhookRequest(format, url, message));
  if (problem) exitWith(COMMAND, redact(`notify: ${problem}; no message was delivered`), 1);
  console.log(`${COMMAND}: sent "${message.title}" to the ${format} webhook at ${parsed.host}`);
}

const [command, sub] = positionals;
const key = `${command} ${sub ?? ''}`.trim();
const commands: Record<string, () => unknown> = { 'deployment start': deploymentStart, 'deployment finish': deploymentFinish, summary, notify };
if (!commands[key]) usageError(`(command): got ${JSON.stringify(key)}, expected deployment start, deployment finish, summary or notify`);
Promise.resolve(commands[key]!()).catch((error: Error) => exitWith(COMMAND, redactor(process.env.DEPLOY_NOTIFY_URL || '\0')(error.message), 1));
