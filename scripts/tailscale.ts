import { writeFileSync } from 'node:fs';
import { tailnetPolicy } from '../charts/tailscale';
import { cluster } from '../config/cluster';
import { exitWith, parseCommandLine } from '../lib/cli';
import { driftTag, tailscaleKubeconfig } from '../lib/delivery/tailscale';

/*
 * npm run -s tailscale -- kubeconfig [--out FILE]   a kubeconfig for the API through the Tailscale
 *                                                  API server proxy (deploy and drift jobs, admins)
 * npm run -s tailscale -- policy                   the tailnet policy entries to add in the admin console
 * npm run -s tailscale -- ci-tag [--drift]         the tag the deploy job (or, --drift, the drift check)
 *                                                  joins the tailnet with (config/cluster.ts)
 */
const usage = 'npm run -s tailscale -- kubeconfig [--out FILE] | policy | ci-tag [--drift]';
const about =
  'kubeconfig: a kubeconfig for the API through the Tailscale API server proxy (deploy and drift jobs, admins)\npolicy: the tailnet policy entries to add in the admin console\nci-tag: the tag the deploy job (or, --drift, the drift check) joins the tailnet with (config/cluster.ts)';
const options = { out: { type: 'string' }, drift: { type: 'boolean', default: false } } as const;
const { values, positionals } = parseCommandLine('tailscale', { usage, about }, options, process.argv.slice(2), { min: 0, max: 1 });
const [command] = positionals;
if (command === 'kubeconfig') {
  const text = `${JSON.stringify(tailscaleKubeconfig(cluster), null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text, { mode: 0o600 });
  else process.stdout.write(text);
} else if (command === 'policy') {
  process.stdout.write(`${JSON.stringify(tailnetPolicy(cluster), null, 2)}\n`);
} else if (command === 'ci-tag') {
  process.stdout.write(`${values.drift ? driftTag(cluster) : cluster.tailscale.ciTag}\n`);
} else {
  exitWith('tailscale', `(command): got ${command === undefined ? 'nothing' : JSON.stringify(command)}, expected kubeconfig, policy or ci-tag`, 2, usage);
}
