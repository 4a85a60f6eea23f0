/*
 * What only the user knows, one entry per value: the flag that sets it (named after the config
 * field), the file and field it is written to, and how the flag's text becomes the value. Every
 * value has exactly one home; the bootstrap's state backend reads the Cloudflare account id from
 * config/cluster.ts (bootstrap/state.ts), so it is asked for once.
 */

export const CLUSTER_FILE = 'config/cluster.ts';
export const STATE_FILE = 'bootstrap/state.ts';

export interface ConfigField {
  /** The flag, without `--`. */
  readonly flag: string;
  readonly file: typeof CLUSTER_FILE | typeof STATE_FILE;
  /** The field's path in the file's object literal. */
  readonly path: readonly string[];
  readonly kind: 'text' | 'list' | 'count';
  /** What the prompt asks, in a few words. */
  readonly question: string;
  /** Filled from this bootstrap output by `configure --from-bootstrap`. */
  readonly output?: string;
}

const cluster = (flag: string, path: string, question: string, kind: ConfigField['kind'] = 'text', output?: string): ConfigField => ({ flag, file: CLUSTER_FILE, path: path.split('.'), kind, question, output });

export const CONFIG_FIELDS: readonly ConfigField[] = [
  cluster('name', 'name', 'Cluster name (Civo, Grafana label)'),
  cluster('domain', 'domain', 'Apex domain (its zone must be in Cloudflare)'),
  cluster('acme-email', 'acmeEmail', "E-mail for Let's Encrypt expiry notices"),
  cluster('admin-cidrs', 'adminCidrs', 'Admin CIDRs allowed to reach the API (comma-separated, e.g. your IP/32)', 'list'),
  cluster('cloudflare-account-id', 'backups.r2.accountId', 'Cloudflare account id (32 hex digits, R2 > Account details)'),
  cluster('region', 'region', 'Civo region'),
  cluster('node-size', 'nodePool.size', 'Node size'),
  cluster('min-nodes', 'nodePool.minNodes', 'Minimum nodes', 'count'),
  cluster('max-nodes', 'nodePool.maxNodes', 'Maximum nodes', 'count'),
  cluster('admin-orgs', 'adminLogin.github.orgs', 'GitHub organisations whose members sign in to the platform UIs (comma-separated; - for none)', 'list'),
  cluster('admin-users', 'adminLogin.github.users', 'GitHub users who sign in to the platform UIs, such as your own login (comma-separated; - for none)', 'list'),
  cluster('tailnet', 'tailscale.tailnet', 'Tailscale tailnet DNS name (admin console > DNS)'),
  cluster('infisical-host', 'infisical.hostApi', 'Infisical API URL'),
  cluster('infisical-project', 'infisical.projectSlug', 'Infisical project slug'),
  cluster('infisical-environment', 'infisical.environmentSlug', 'Infisical environment slug'),
  cluster('grafana-metrics-url', 'grafanaCloud.metricsUrl', 'Grafana Cloud Prometheus remote-write URL'),
  cluster('grafana-logs-url', 'grafanaCloud.logsUrl', 'Grafana Cloud Loki push URL'),
  cluster('bucket-prefix', 'backups.r2.bucketPrefix', 'Prefix of the per-app backup buckets'),
  cluster('reserved-ip', 'loadBalancer.reservedIp', 'Reserved IP (bootstrap output reserved_ip)', 'text', 'reserved_ip'),
  cluster('firewall-id', 'loadBalancer.firewallId', 'Firewall id (bootstrap output firewall_id)', 'text', 'firewall_id'),
  { flag: 'state-bucket', file: STATE_FILE, path: ['bucket'], kind: 'text', question: 'R2 bucket of the bootstrap state (created by hand)' },
];

/** `backups.r2.accountId` for config/cluster.ts, `bootstrap/state.ts bucket`... as errors name them. */
export const fieldName = (field: ConfigField) => field.path.join('.');

/** A list's text that leaves the field out (no GitHub login, CIDR or name is a lone dash). */
export const NONE = '-';

/**
 * The flag's text as the field's value: lists split on commas (`-` leaves the field out: undefined),
 * counts as whole numbers (the schema judges the rest).
 */
export function parseFlagValue(field: ConfigField, text: string): string | number | string[] | undefined {
  if (field.kind === 'list') return text.trim() === NONE ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean);
  if (field.kind === 'count') return /^-?[0-9]+$/.test(text.trim()) ? Number(text.trim()) : text;
  return text.trim();
}
