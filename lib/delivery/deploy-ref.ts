/*
 * Deploy only main's head. A Deploy run applies the commit it was started for; a re-run of an old
 * run, a run that waited behind a newer merge, or a dispatch from another branch would apply a
 * commit that is not main's head, and its prune would delete what newer commits added. The deploy
 * job asks GitHub for main's head (its own token, contents: read) before anything is applied.
 */

export const DEPLOY_BRANCH = 'main';
const SHA = /^[0-9a-f]{40}$/;

/** The run's GITHUB_* variables the check reads. */
export interface DeployRun {
  readonly ref: string;
  readonly sha: string;
}

/** Why this run must not deploy, in `field: got X, expected Y` form; undefined when it is main's head. */
export function deployRefProblem(run: DeployRun, mainHead: string): string | undefined {
  if (run.ref !== `refs/heads/${DEPLOY_BRANCH}`) {
    return `GITHUB_REF: got ${run.ref || 'nothing'}, expected refs/heads/${DEPLOY_BRANCH}: only ${DEPLOY_BRANCH} is deployed (and the production environment admits no other branch)`;
  }
  if (run.sha !== mainHead) {
    return `GITHUB_SHA: got ${run.sha}, expected ${DEPLOY_BRANCH}'s head ${mainHead}: this run's commit is no longer the head (a re-run of an old Deploy, or a newer merge landed); the newer commit's own Deploy run applies it`;
  }
  return undefined;
}

/** What reading main's head needs: the API base URL, `owner/name`, the job's token. */
export interface GitHubAccess {
  readonly apiUrl: string;
  readonly repository: string;
  readonly token: string;
}

export type Fetch = (url: string, init: { headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** The commit `refs/heads/main` points at now (GET /repos/{repository}/git/ref/heads/main). */
export async function fetchMainHead(access: GitHubAccess, fetchImpl: Fetch = fetch): Promise<string> {
  const url = `${access.apiUrl.replace(/\/+$/, '')}/repos/${access.repository}/git/ref/heads/${DEPLOY_BRANCH}`;
  let response;
  try {
    response = await fetchImpl(url, {
      headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${access.token}`, 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'hobby-infra-deploy-ref' },
    });
  } catch (error) {
    const { message, cause } = error as Error & { cause?: { message?: string } };
    throw new Error(`GitHub API: got ${cause?.message ?? message} from ${url}, expected ${DEPLOY_BRANCH}'s ref`);
  }
  if (!response.ok) throw new Error(`GitHub API: got HTTP ${response.status} from ${url}, expected ${DEPLOY_BRANCH}'s ref (the job needs contents: read)`);
  const body = (await response.json().catch(() => undefined)) as { object?: { sha?: unknown } } | undefined;
  const sha = body?.object?.sha;
  if (typeof sha !== 'string' || !SHA.test(sha)) throw new Error(`GitHub API: object.sha: got ${JSON.stringify(sha)} from ${url}, expected a commit SHA`);
  return sha;
}

/** The run's access and identity from the environment GitHub Actions sets; problems name the variable. */
export function deployRunFromEnv(env: NodeJS.ProcessEnv): { run: DeployRun; access: GitHubAccess } | { problem: string } {
  const token = env.GITHUB_TOKEN ?? '';
  const repository = env.GITHUB_REPOSITORY ?? '';
  const sha = env.GITHUB_SHA ?? '';
  if (!token) return { problem: 'GITHUB_TOKEN: got nothing, expected the job\'s token (permissions: contents: read)' };
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) return { problem: `GITHUB_REPOSITORY: got ${JSON.stringify(repository)}, expected owner/name` };
  if (!SHA.test(sha)) return { problem: `GITHUB_SHA: got ${JSON.stringify(sha)}, expected the run's commit SHA` };
  return { run: { ref: env.GITHUB_REF ?? '', sha }, access: { apiUrl: env.GITHUB_API_URL || 'https://api.github.com', repository, token } };
}
