import { deployIdentityObjects } from '../lib/delivery/deploy-identity';
import { parseCommandLine } from '../lib/cli';
import { toYaml } from '../lib/yaml';

/*
 * npm run -s deploy-identity | kubectl apply --server-side -f -     (once, with the admin kubeconfig)
 * Prints the deploy identity's ServiceAccount, ClusterRole and ClusterRoleBinding
 * (lib/delivery/deploy-identity.ts). Not part of dist/: the deploy job cannot grant itself rights.
 */
parseCommandLine('deploy-identity', 'npm run -s deploy-identity | kubectl apply --server-side -f -', {});
process.stdout.write(deployIdentityObjects().map((o) => toYaml(o)).join('---\n'));
