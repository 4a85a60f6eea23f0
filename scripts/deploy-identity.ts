import { resolve } from 'node:path';
import { deployIdentityObjects } from '../lib/delivery/deploy-identity';
import { deployPolicyObjects } from '../lib/delivery/deploy-policy';
import { policyInputs } from '../lib/delivery/policy-inputs';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects } from '../lib/delivery/manifests';
import { exitWith, parseCommandLine } from '../lib/cli';
import { drillRunnerAccess } from '../lib/constructs/drill-runner';
import { toYaml } from '../lib/yaml';

/*
 * npm run -s deploy-identity [-- --dist dist] | kubectl apply --server-side -f -   (the admin, once
 * and again when a chart or repository is added; the apply says when)
 * Prints the deploy and drift identities (ServiceAccount, ClusterRole, ClusterRoleBinding each;
 * lib/delivery/deploy-identity.ts) and the admission policy that guards them, from the dist/ it
 * will guard (lib/delivery/deploy-policy.ts). Not part of dist/: the deploy job cannot grant
 * itself rights, nor change the policy.
 */
const usage = 'npm run -s deploy-identity [-- --dist <dir> | --restore-drills] | kubectl apply --server-side -f -';
const about =
  'Prints the deploy and drift identities and the admission policy that guards them, for the admin to apply\n(once, and again when npm run apply says the live policy differs from the one its dist/ needs).\n--restore-drills prints the restore drills\' Role and RoleBinding instead (once, after the first deploy).';
const { values } = parseCommandLine('deploy-identity', { usage, about }, { dist: { type: 'string', default: 'dist' }, 'restore-drills': { type: 'boolean', default: false } });
if (values['restore-drills']) {
  process.stdout.write(drillRunnerAccess().map((o) => toYaml(o)).join('---\n'));
  process.exit(0);
}
const files = readDistDir(resolve(values.dist!));
if (!files.size) exitWith('deploy-identity', `--dist: got ${values.dist}/ with no manifests, expected the rendered dist/ (run npm run synth)`, 2);
let inputs;
try {
  inputs = policyInputs(collectObjects(files).values());
} catch (err) {
  exitWith('deploy-identity', `${values.dist}/: ${(err as Error).message}`, 2);
}
process.stdout.write([...deployIdentityObjects(inputs!.crds), ...deployPolicyObjects(inputs!)].map((o) => toYaml(o)).join('---\n'));
