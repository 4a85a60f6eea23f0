import { parse } from 'yaml';
import type { ClusterConfig } from '../config';
import { backupBucket } from '../config';
import { foldersOf, INFISICAL_IDENTITIES_ENV, infisicalStores } from '../delivery/secret-zero';
import { driftTag } from '../delivery/tailscale';
import type { DistObject } from '../delivery/manifests';
import type { Manifest } from '../render';

/*
 * Every secret and identity the platform needs, and where each is created, read from what uses
 * them: the workflows (GitHub environments and their secrets), dist/ (Infisical folders, the keys
 * its ExternalSecrets read, one identity per namespace) and the config (tailnet, tags, zone, buckets).
 * So the list follows the platform: a new app with `secrets: true` or a database adds its folders.
 * Informational: doctor cannot see secrets, so these never fail it.
 */

/** What each GitHub secret is and where to create it (docs/github.md "Environments and secrets"). */
const GITHUB_SECRETS: Record<string, (c: ClusterConfig) => string> = {
  TS_OAUTH_CLIENT_ID: () => 'Tailscale OAuth client id (admin console > Settings > OAuth clients)',
  TS_OAUTH_SECRET: () => 'its secret',
  [INFISICAL_IDENTITIES_ENV]: () => 'one Infisical machine identity per namespace, as JSON: npm run -s apply -- --identities-template',
  CIVO_TOKEN: () => 'Civo API key (dashboard > account settings)',
  CLOUDFLARE_API_TOKEN: (c) => `Cloudflare API token: Zone:Read + DNS:Edit on ${c.domain}, Account > Workers R2 Storage:Edit, Account > Account API Tokens:Edit`,
  AWS_ACCESS_KEY_ID: () => 'R2 API token for the state bucket only (Object Read & Write): its S3 access key id',
  AWS_SECRET_ACCESS_KEY: () => 'its S3 secret access key',
  BOT_TOKEN: () => 'optional: fine-grained token, Contents write on this repository only (Renovate re-render commits)',
};

export interface Workflow {
  readonly file: string;
  readonly text: string;
}

/** environment (or `repository`) -> secret names, from the workflows' jobs. */
export function workflowSecrets(workflows: readonly Workflow[]): Map<string, Set<string>> {
  const byEnvironment = new Map<string, Set<string>>();
  for (const { text } of workflows) {
    const jobs = (parse(text)?.jobs ?? {}) as Record<string, any>;
    for (const job of Object.values(jobs)) {
      const env = typeof job?.environment === 'string' ? job.environment : job?.environment?.name ?? 'repository';
      const names = [...JSON.stringify(job).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]!).filter((n) => n !== 'GITHUB_TOKEN');
      if (!names.length) continue;
      const set = byEnvironment.get(env) ?? new Set<string>();
      names.forEach((n) => set.add(n));
      byEnvironment.set(env, set);
    }
  }
  return byEnvironment;
}

/** folder -> keys the ExternalSecrets read from it. */
function infisicalKeys(objects: readonly Manifest[]): Map<string, Set<string>> {
  const storePath = new Map<string, string>();
  for (const o of objects) {
    if (o.kind === 'SecretStore') storePath.set(`${o.metadata.namespace}/${o.metadata.name}`, String((o as any).spec?.provider?.infisical?.secretsScope?.secretsPath ?? '?'));
  }
  const keys = new Map<string, Set<string>>();
  for (const o of objects) {
    if (o.kind !== 'ExternalSecret') continue;
    const path = storePath.get(`${o.metadata.namespace}/${(o as any).spec?.secretStoreRef?.name}`);
    if (!path) continue;
    const set = keys.get(path) ?? new Set<string>();
    for (const d of (o as any).spec?.data ?? []) if (d?.remoteRef?.key) set.add(d.remoteRef.key);
    for (const d of (o as any).spec?.dataFrom ?? []) if (d?.find) set.add('(every key in the folder)');
    keys.set(path, set);
  }
  return keys;
}

/** The checklist, as lines of text (markdown-friendly). */
export function checklist(cluster: ClusterConfig, dist: readonly DistObject[], workflows: readonly Workflow[]): string[] {
  const objects = dist.map((o) => o.manifest);
  const lines: string[] = [];
  lines.push('GitHub (Settings > Environments; deployment branches: main only; docs/github.md):');
  for (const [env, names] of [...workflowSecrets(workflows)].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${env === 'repository' ? 'repository secrets' : `environment ${env}`}:`);
    for (const name of [...names].sort()) lines.push(`    [ ] ${name}: ${GITHUB_SECRETS[name]?.(cluster) ?? 'see docs/github.md'}`);
  }
  const { hostApi, projectSlug, environmentSlug } = cluster.infisical;
  lines.push(`Infisical (${hostApi}, project ${projectSlug}, environment ${environmentSlug}): folders and the keys dist/ reads:`);
  for (const [folder, keys] of [...infisicalKeys(objects)].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`    [ ] ${folder}: ${[...keys].sort().join(', ') || '(no keys read yet)'}`);
  }
  lines.push(`Infisical machine identities (Universal Auth), one per namespace, each reading only its folders; into ${INFISICAL_IDENTITIES_ENV}:`);
  for (const store of infisicalStores(dist)) lines.push(`    [ ] ${store.namespace}: ${foldersOf(store)}`);
  lines.push(`Tailscale (tailnet ${cluster.tailscale.tailnet}: MagicDNS and HTTPS on; policy: npm run -s tailscale -- policy):`);
  lines.push('    [ ] OAuth client for the operator (Devices Core + Auth Keys write, tag:k8s-operator): Infisical /platform/tailscale');
  lines.push(`    [ ] OAuth client for the deploy (Auth Keys write, ${cluster.tailscale.ciTag} only): GitHub environment production`);
  lines.push(`    [ ] OAuth client for the drift check (Auth Keys write, ${driftTag(cluster)} only): GitHub environment drift`);
  lines.push('Cloudflare:');
  lines.push(`    [ ] zone ${cluster.domain} in account ${cluster.backups.r2.accountId}, name servers delegated to Cloudflare`);
  lines.push('    [ ] R2 state bucket (bootstrap/state.ts bucket), created by hand once (bootstrap/README.md step 2)');
  lines.push(`    [ ] per-app backup buckets (${backupBucket(cluster, '<app>')}) and their tokens: created by the bootstrap; keys into Infisical /backups/<app> (docs/backups.md)`);
  return lines;
}
