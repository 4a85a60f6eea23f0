import ipaddr from 'ipaddr.js';

/*
 * What counts as a placeholder, in one place: the example values the template ships in
 * config/cluster.ts and bootstrap/state.ts, and anything in the ranges and names reserved for
 * documentation (RFC 5737 addresses, RFC 2606/6761 domains), which can never be a real user's.
 * `npm run doctor` fails while any is left; bootstrap/main.ts warns about the account id.
 * Values a user may well keep (the Infisical host, bucket names, Grafana's shared regional
 * endpoints) are not placeholders.
 */

/** The template's own example values, by config field (`file field`). */
export const TEMPLATE_VALUES = {
  domain: 'hobby-infra.dev',
  acmeEmail: 'ops@hobby-infra.dev',
  'loadBalancer.reservedIp': '74.220.24.10',
  'loadBalancer.firewallId': '5f0c3a8e-2d4b-4c7e-9a61-3b8f1d2e4c90',
  adminCidrs: '203.0.113.10/32',
  'backups.r2.accountId': '0123456789abcdef0123456789abcdef',
  'tailscale.tailnet': 'tail0a1b2c.ts.net',
  'adminLogin.github.orgs': 'your-github-org',
} as const;

export const PLACEHOLDER_ACCOUNT_ID = TEMPLATE_VALUES['backups.r2.accountId'];

/** RFC 5737's documentation networks. */
const DOCUMENTATION_NETWORKS = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].map((c) => ipaddr.IPv4.parseCIDR(c));
/** RFC 2606 and 6761 names that never resolve to a user's zone. */
const DOCUMENTATION_DOMAIN = /(^|\.)(example(\.(com|net|org))?|test|invalid|localhost)$/;

function inDocumentationNetwork(text: string): boolean {
  try {
    const address = text.includes('/') ? ipaddr.parseCIDR(text)[0] : ipaddr.parse(text);
    return address.kind() === 'ipv4' && DOCUMENTATION_NETWORKS.some((net) => (address as ipaddr.IPv4).match(net));
  } catch {
    return false;
  }
}

/** Why `value` of `field` is a placeholder, or undefined when it may be the user's own. */
export function placeholderReason(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const template = (TEMPLATE_VALUES as Record<string, string>)[field];
  if (template !== undefined && value === template) return "the template's example";
  if (Object.values(TEMPLATE_VALUES).includes(value as never)) return "the template's example";
  if (field === 'domain' && DOCUMENTATION_DOMAIN.test(value)) return 'a documentation-only domain';
  if (field === 'acmeEmail' && (DOCUMENTATION_DOMAIN.test(value.split('@')[1] ?? '') || value.endsWith('@hobby-infra.dev'))) return 'an address at a documentation-only domain';
  if ((field === 'adminCidrs' || field === 'loadBalancer.reservedIp') && inDocumentationNetwork(value)) return 'an address reserved for documentation (RFC 5737)';
  return undefined;
}
