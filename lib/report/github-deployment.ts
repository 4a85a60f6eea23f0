/*
 * The deploy's record on GitHub, with the job's own token (permissions: deployments: write,
 * statuses: write, contents: read; nothing else):
 *   - a deployment of the commit to `production` (POST /repos/{owner}/{repo}/deployments; no
 *     auto-merge, no required contexts: the deploy job itself is the check),
 *   - its statuses, `in_progress` then `success` or `failure`, with the environment's URL and the
 *     run's as log_url (POST .../deployments/{id}/statuses),
 *   - a commit status `deploy/production`, `pending` then `success` or `failure`, linking the run
 *     (POST /repos/{owner}/{repo}/statuses/{sha}).
 * docs.github.com, REST "Deployments" and "Commit statuses": a status' description is at most 140
 * characters. A failing call is one line naming the call and what GitHub answered; the caller
 * reports it and goes on, so GitHub being down never changes what the deploy did or its result.
 */

export const DEPLOY_ENVIRONMENT = 'production';
export const STATUS_CONTEXT = 'deploy/production';
const DESCRIPTION_MAX = 140;

export interface GitHubRun {
  readonly apiUrl: string;
  readonly token: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly sha: string;
  /** `https://github.com/owner/name/actions/runs/123`. */
  readonly runUrl: string;
}

export type ApiFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

const describe = (text: string) => (text.length <= DESCRIPTION_MAX ? text : `${text.slice(0, DESCRIPTION_MAX - 1)}…`);

/** The run's GitHub access from the variables GitHub Actions sets; a problem names the variable. */
export function githubRunFromEnv(env: NodeJS.ProcessEnv): GitHubRun | { problem: string } {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const sha = env.GITHUB_SHA ?? '';
  if (!env.GITHUB_TOKEN) return { problem: 'GITHUB_TOKEN: got nothing, expected the job\'s token (permissions: deployments: write, statuses: write)' };
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) return { problem: `GITHUB_REPOSITORY: got ${JSON.stringify(repository)}, expected owner/name` };
  if (!/^[0-9a-f]{40}$/.test(sha)) return { problem: `GITHUB_SHA: got ${JSON.stringify(sha)}, expected the run's commit SHA` };
  return { apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), token: env.GITHUB_TOKEN, repository, sha, runUrl: runUrlFromEnv(env) ?? '' };
}

/** `<server>/<owner>/<name>/actions/runs/<id>`, when the variables are there. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

async function post(run: GitHubRun, path: string, payload: object, expected: number, fetchImpl: ApiFetch): Promise<unknown> {
  const url = `${run.apiUrl}${path}`;
  let response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${run.token}`, 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'hobby-infra-deploy-feedback', 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
      // A GitHub that hangs costs the job 30 s a call, not its timeout.
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const { message, cause } = error as Error & { cause?: { message?: string } };
    throw new Error(`GitHub API: POST ${path}: got ${cause?.message ?? message}, expected HTTP ${expected}`);
  }
  const body = (await response.json().catch(() => undefined)) as { message?: unknown } | undefined;
  if (response.status !== expected) {
    const said = typeof body?.message === 'string' ? ` (${body.message.slice(0, 160)})` : '';
    const hint = response.status === 403 || response.status === 404 ? ': the job needs permissions deployments: write and statuses: write' : '';
    throw new Error(`GitHub API: POST ${path}: got HTTP ${response.status}${said}, expected ${expected}${hint}`);
  }
  return body;
}

/** Creates the deployment of the run's commit; resolves with its id. */
export async function createDeployment(run: GitHubRun, description: string, fetchImpl: ApiFetch = fetch): Promise<number> {
  const body = (await post(
    run,
    `/repos/${run.repository}/deployments`,
    { ref: run.sha, environment: DEPLOY_ENVIRONMENT, auto_merge: false, required_contexts: [], transient_environment: false, production_environment: true, description: describe(description) },
    201,
    fetchImpl,
  )) as { id?: unknown } | undefined;
  if (typeof body?.id !== 'number') throw new Error(`GitHub API: POST /repos/${run.repository}/deployments: id: got ${JSON.stringify(body?.id)}, expected the new deployment's id`);
  return body.id;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure';

/** A status of the deployment: its state, the environment's URL, the run as its log. */
export async function setDeploymentStatus(run: GitHubRun, id: number, state: DeploymentState, description: string, environmentUrl: string | undefined, fetchImpl: ApiFetch = fetch): Promise<void> {
  const payload = { state, ...(run.runUrl ? { log_url: run.runUrl } : {}), description: describe(description), ...(environmentUrl ? { environment_url: environmentUrl } : {}) };
  await post(run, `/repos/${run.repository}/deployments/${id}/statuses`, payload, 201, fetchImpl);
}

export type CommitState = 'pending' | 'success' | 'failure';

/** The commit status `deploy/production` on the run's commit, linking the run. */
export async function setCommitStatus(run: GitHubRun, state: CommitState, description: string, fetchImpl: ApiFetch = fetch): Promise<void> {
  await post(run, `/repos/${run.repository}/statuses/${run.sha}`, { state, context: STATUS_CONTEXT, ...(run.runUrl ? { target_url: run.runUrl } : {}), description: describe(description) }, 201, fetchImpl);
}

/**
 * The platform's main public URL from the hosts dist/ routes: the host the most others are
 * subdomains of (the apex, `example.org` beside `www.example.org`), else the shortest; undefined
 * when dist/ routes none.
 */
export function environmentUrlOf(hosts: Iterable<string>): string | undefined {
  const unique = [...new Set(hosts)].filter((h) => /^[a-z0-9.-]+$/i.test(h)).sort();
  if (!unique.length) return undefined;
  const under = (h: string) => unique.filter((o) => o.endsWith(`.${h}`)).length;
  const best = unique.reduce((a, b) => (under(b) > under(a) || (under(b) === under(a) && b.length < a.length) ? b : a));
  return `https://${best}/`;
}
