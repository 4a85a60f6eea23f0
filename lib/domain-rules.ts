import ipaddr from 'ipaddr.js';
import { ICANN_SUFFIXES, ICANN_TLDS, PRIVATE_SUFFIXES } from './public-suffix-data';

/*
 * What the outside world refuses of the cluster's domain and ACME contact, by meaning: the DNS
 * length limit over the longest host derived under the domain, public suffixes (from a pinned
 * excerpt of the Public Suffix List, lib/public-suffix-data.ts), special-use names, and the contact
 * e-mail rules of Let's Encrypt's Boulder (policy/pa.go ValidEmail and ValidDomain).
 */

/** DNS's longest name (RFC 1035: 255 octets, less the length byte and the root). */
export const DNS_NAME_MAX = 253;
/** The longest host synth derives under the domain: an app or platform host is one 63-character label below it. */
const LONGEST_LABEL_BELOW = 63 + 1;
export const DOMAIN_MAX = DNS_NAME_MAX - LONGEST_LABEL_BELOW;

/**
 * Special-use and reserved names (RFC 2606, RFC 6761, RFC 6762, RFC 7686, RFC 8375, ICANN's
 * .internal): no public zone can hold them, so neither Cloudflare nor Let's Encrypt would serve them.
 */
export const SPECIAL_USE_SUFFIXES = ['local', 'localhost', 'test', 'invalid', 'example', 'internal', 'home.arpa', 'onion', 'arpa', 'alt'] as const;

const TLDS = new Set(ICANN_TLDS);
const SUFFIXES = new Set([...ICANN_TLDS, ...ICANN_SUFFIXES, ...PRIVATE_SUFFIXES]);
const under = (name: string, suffix: string) => name === suffix || name.endsWith(`.${suffix}`);

/** Whether `name` is itself a public suffix (the list's rules, with its `*.` and `!` forms). */
export function isPublicSuffix(name: string): boolean {
  if (SUFFIXES.has(name)) return true;
  const parent = name.slice(name.indexOf('.') + 1);
  return name.includes('.') && SUFFIXES.has(`*.${parent}`) && !SUFFIXES.has(`!${name}`);
}

/** Why `domain` (already a lowercase host name) cannot be the cluster's domain, or undefined. */
export function domainProblem(domain: string): string | undefined {
  const special = SPECIAL_USE_SUFFIXES.find((s) => under(domain, s));
  if (special) return `a domain in a public top-level domain, not under .${special} (a special-use name no public DNS zone can hold)`;
  if (domain.length > DOMAIN_MAX) return `a domain of at most ${DOMAIN_MAX} characters (got ${domain.length}): an app host is one 63-character label below it, and a DNS name holds ${DNS_NAME_MAX}`;
  if (isPublicSuffix(domain)) return `a domain registered under a public suffix, not the suffix itself (${domain} is on the Public Suffix List: no one owns its zone)`;
  if (!TLDS.has(domain.slice(domain.lastIndexOf('.') + 1))) return `a domain under a top-level domain ICANN delegates (.${domain.slice(domain.lastIndexOf('.') + 1)} is none)`;
  return undefined;
}

/** Domains Boulder refuses after the @ (policy/pa.go forbiddenMailDomains: RFC 2606's examples). */
const FORBIDDEN_MAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];

/** Boulder's ValidDomain on an e-mail's domain: the reason, in its words, or undefined. */
function boulderDomainProblem(domain: string): string | undefined {
  if (!/^[a-z0-9.-]+$/.test(domain)) return 'Domain name contains an invalid character';
  if (domain.length > DNS_NAME_MAX) return 'Domain name is longer than 253 bytes';
  if (ipaddr.isValid(domain)) return 'The ACME server can not issue a certificate for an IP address';
  if (domain.endsWith('.')) return 'Domain name ends in a dot';
  const labels = domain.split('.');
  if (labels.length > 10) return 'Domain name has more than 10 labels (parts)';
  if (labels.length < 2) return 'Domain name needs at least one dot';
  for (const label of labels) {
    if (label === '') return 'Domain name can not have two dots in a row';
    if (label.length > 63) return 'Domain has a label (component between dots) longer than 63 bytes';
    if (label.startsWith('-') || label.endsWith('-')) return 'Domain name contains an invalid character';
    if (label.length >= 4 && label.slice(2, 4) === '--' && label.slice(0, 2) !== 'xn') return "Domain name contains an invalid label in a reserved format (R-LDH: '??--')";
  }
  const tld = labels[labels.length - 1]!;
  if (!TLDS.has(tld)) return 'Domain name does not end with a valid public suffix (TLD)';
  if (isPublicSuffix(domain) && !PRIVATE_SUFFIXES.includes(domain)) return 'Domain name is an ICANN TLD';
  return undefined;
}

/** Why Let's Encrypt would refuse `email` as the ACME account's contact, or undefined. */
export function acmeEmailProblem(email: string): string | undefined {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const problem = boulderDomainProblem(domain);
  if (problem) return `an address Let's Encrypt accepts as the ACME contact; it refuses this one: "${problem}"`;
  if (FORBIDDEN_MAIL_DOMAINS.includes(domain)) return `an address Let's Encrypt accepts as the ACME contact; it refuses @${domain} (an RFC 2606 example domain: expiry notices would reach no one)`;
  return undefined;
}
