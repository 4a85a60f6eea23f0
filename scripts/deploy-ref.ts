import { exitWith, parseCommandLine } from '../lib/cli';
import { deployRefProblem, deployRunFromEnv, fetchMainHead } from '../lib/delivery/deploy-ref';

/*
 * npm run -s deploy-ref   in the deploy job, before anything is applied: exit 0 when the run's commit
 *                         (GITHUB_SHA, on GITHUB_REF) is main's head now, 1 when it is not, 2 when
 *                         GitHub cannot be asked. Reads GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_REF,
 *                         GITHUB_SHA and GITHUB_API_URL, as GitHub Actions sets them.
 */
const usage = 'npm run -s deploy-ref   (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_REF and GITHUB_SHA from the environment)';
parseCommandLine('deploy-ref', { usage, about: 'Refuses (exit 1) a Deploy run whose commit is not the current head of main.' }, {});

const fromEnv = deployRunFromEnv(process.env);
if ('problem' in fromEnv) exitWith('deploy-ref', fromEnv.problem, 2);
fetchMainHead(fromEnv.access).then(
  (head) => {
    const problem = deployRefProblem(fromEnv.run, head);
    if (problem) exitWith('deploy-ref', problem, 1);
    console.log(`deploy-ref: ${fromEnv.run.sha} is the head of main`);
  },
  (error: Error) => exitWith('deploy-ref', error.message, 2),
);
