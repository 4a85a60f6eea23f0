import { App } from 'cdktf';
import { resolve } from 'node:path';
import { appSources } from 'virtual:apps';
import { cluster } from '../config/cluster';
import { loadApps } from '../lib/app-spec';
import { parseCommandLine } from '../lib/cli';
import { backupOwners } from '../lib/backup-owners';
import { platformHosts, publicHosts } from '../lib/hosts';
import { BootstrapStack, STACK_NAME } from './stack';
import { PLACEHOLDER_ACCOUNT_ID } from '../lib/configure/placeholders';
import { defineStateBackend, STATE_BACKEND } from './state';

/*
 * `npm run bootstrap:synth` (and `cdktf synth`/`cdktf deploy` through bootstrap/cdktf.json) run this.
 * Writes bootstrap/cdktf.out/stacks/hobby-bootstrap/cdk.tf.json. The hosts come from the same app
 * and platform declarations as the Ingresses, so every Ingress host gets exactly one DNS record; the
 * backup buckets from the same apps as the charts' backups, so every app that backs up has its bucket.
 */

parseCommandLine('bootstrap:synth', {
  usage: 'npm run bootstrap:synth',
  about: 'Writes the bootstrap stack (cluster, DNS records, backup buckets) to bootstrap/cdktf.out/stacks/hobby-bootstrap/cdk.tf.json\nfrom config/cluster.ts and apps/; CDKTF_OUTDIR writes elsewhere. `cdktf deploy` in bootstrap/ runs it.',
}, {});

const apps = loadApps(appSources, cluster, platformHosts(cluster));
const state = defineStateBackend(STATE_BACKEND);
if (state.accountId === PLACEHOLDER_ACCOUNT_ID) {
  console.warn('config/cluster.ts: backups.r2.accountId is still the placeholder; set yours (npm run configure) before `terraform init`.');
}

// The cdktf CLI passes CDKTF_OUTDIR (possibly relative to bootstrap/, where it runs `npm run`);
// npm itself always runs this from the repository root.
const outdir = process.env.CDKTF_OUTDIR ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.CDKTF_OUTDIR) : resolve('bootstrap', 'cdktf.out');

const app = new App({ outdir });
new BootstrapStack(app, STACK_NAME, { cluster, hosts: publicHosts(cluster, apps), backupOwners: backupOwners(apps), state });
app.synth();
console.log(`wrote ${resolve(outdir, 'stacks', STACK_NAME, 'cdk.tf.json')}`);
