import { describe, expect, test } from 'vitest';
import { appRefused, configRefused, scratchDist } from './fixtures/bad-input';

/*
 * The bad-input corpus, meaning-level (issue 23, classes 2 and 5): values whose shape is right but
 * which the operators, Let's Encrypt, k3s, Civo or Cloudflare would refuse or misread. Times are
 * read as Go reads them (30 February is no date), durations as Go's time.ParseDuration, a restore
 * must name a Cluster the committed dist/ knows, and the config's domain, contact, network, version
 * and admin CIDRs are checked against the rules of who consumes them. Each case is refused with
 * the file and field named, no stack trace, and dist/ untouched.
 */

const outdir = scratchDist();
const demo = { image: 'ghcr.io/me/demo:1.0.0', port: 8080, hosts: ['demo'] };
const restoreAt = (targetTime: string) => ({ ...demo, database: { size: '1Gi', restore: { from: 'backup', targetTime } } });
const volumeAsOf = (asOf: string) => ({ ...demo, replicas: 0, volume: { mountPath: '/data', size: '1Gi', restore: { from: 'backup', asOf } } });

const GO_REFUSES = 'expected an RFC 3339 time with a zone, such as 2026-08-01T10:00:00Z \\(Go, which the operators are written in, reads this one as: ';
const NO_DATE = 'expected a real date and time in RFC 3339';
const LENIENT = "Go's lenient parser takes this one";
const appCases: [string, object, RegExp][] = [
  ['30 February', restoreAt('2026-02-30T10:00:00Z'), new RegExp(`database\\.restore\\.targetTime: got "2026-02-30T10:00:00Z", ${NO_DATE}.*day out of range`)],
  ['31 April', restoreAt('2026-04-31T10:00:00Z'), /database\.restore\.targetTime: got "2026-04-31T10:00:00Z", .*day out of range/],
  ['29 February of a common year', restoreAt('2027-02-29T10:00:00Z'), /database\.restore\.targetTime: got "2027-02-29T10:00:00Z", .*day out of range/],
  ['a leap second', restoreAt('2016-12-31T23:59:60Z'), /database\.restore\.targetTime: got "2016-12-31T23:59:60Z", .*second out of range/],
  ['hour 24', restoreAt('2026-08-01T24:00:00Z'), /database\.restore\.targetTime: got "2026-08-01T24:00:00Z", .*hour out of range/],
  ['lowercase t', restoreAt('2026-08-01t10:00:00Z'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01t10:00:00Z", ${GO_REFUSES}`)],
  ['lowercase z', restoreAt('2026-08-01T10:00:00z'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01T10:00:00z", ${GO_REFUSES}`)],
  ['no zone', restoreAt('2026-08-01T10:00:00'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01T10:00:00", ${GO_REFUSES}`)],
  ['an offset of 24 hours', restoreAt('2026-08-01T10:00:00+24:00'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01T10:00:00\\+24:00", .*${LENIENT}`)],
  ['a one-digit hour', restoreAt('2026-08-01T9:00:00Z'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01T9:00:00Z", .*${LENIENT}`)],
  ['a comma before the fraction', restoreAt('2026-08-01T10:00:00,5Z'), new RegExp(`database\\.restore\\.targetTime: got "2026-08-01T10:00:00,5Z", .*${LENIENT}`)],
  ['ten fraction digits', restoreAt('2026-08-01T10:00:00.1234567891Z'), /database\.restore\.targetTime: got "2026-08-01T10:00:00\.1234567891Z", .*at most nine fraction digits/],
  ['a year before any backup', restoreAt('0999-08-01T10:00:00Z'), /database\.restore\.targetTime: got "0999-08-01T10:00:00Z", expected a time from 2020-01-01T00:00:00Z on/],
  ['a second before 2020', restoreAt('2020-01-01T00:59:59+01:00'), /database\.restore\.targetTime: got "2020-01-01T00:59:59\+01:00", expected a time from 2020-01-01T00:00:00Z on/],
  ['the year 2100', restoreAt('2100-01-01T00:00:00Z'), /database\.restore\.targetTime: got "2100-01-01T00:00:00Z", expected a time before 2100-01-01T00:00:00Z \(is the year mistyped\?\)/],
  ['a mistyped year', restoreAt('2206-08-01T10:00:00Z'), /database\.restore\.targetTime: got "2206-08-01T10:00:00Z", expected a time before 2100/],
  ['a volume as of 30 February', volumeAsOf('2026-02-30T10:00:00Z'), /volume\.restore\.asOf: got "2026-02-30T10:00:00Z", .*day out of range/],
  ['a volume as of 2019', volumeAsOf('2019-06-01T10:00:00Z'), /volume\.restore\.asOf: got "2019-06-01T10:00:00Z", expected a time from 2020-01-01T00:00:00Z on/],
  ['a restore from a Cluster that never existed', { ...demo, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '1Gi', restore: { from: 'demo-db-r2601011000', targetTime: '2026-02-01T10:00:00Z' } } }, /database\.restore\.from: got "demo-db-r2601011000", expected a database Cluster the cluster was given \(in the committed dist\/\) or this render has: none for demo yet, or "backup"/],
];

const interval = (refreshInterval: string) => (c: any) => (c.infisical = { ...c.infisical, refreshInterval });
const INTERVAL = 'infisical\\.refreshInterval: got "%s", expected a duration from 1m to 24h';
const at = (value: string, tail: string) => new RegExp(`${INTERVAL.replace('%s', value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))}.*${tail}`);
const configCases: [string, (c: any) => void, RegExp][] = [
  ['refresh interval 0 (never refresh)', interval('0'), at('0', 'this one is 0s')],
  ['refresh interval of 30 seconds', interval('30s'), at('30s', 'this one is 30s')],
  ['refresh interval in days', interval('1d'), at('1d', 'unknown unit "d" in duration')],
  ['refresh interval negative', interval('-1h'), at('-1h', 'this one is -1h')],
  ['refresh interval of two days', interval('48h'), at('48h', 'this one is 48h')],
  ['refresh interval beyond int64 nanoseconds', interval('2562048h'), at('2562048h', 'Go reads this one as: invalid duration')],
  ['refresh interval with an upper-case unit', interval('1H'), at('1H', 'unknown unit "H"')],
  ['domain a public suffix', (c) => (c.domain = 'co.uk'), /domain: got "co\.uk", expected a domain registered under a public suffix, not the suffix itself/],
  ['domain a hosting platform suffix', (c) => (c.domain = 'github.io'), /domain: got "github\.io", expected a domain registered under a public suffix/],
  ['domain under .local', (c) => (c.domain = 'lab.local'), /domain: got "lab\.local", expected a domain in a public top-level domain, not under \.local/],
  ['domain under .home.arpa', (c) => (c.domain = 'lab.home.arpa'), /domain: got "lab\.home\.arpa", expected .*not under \.home\.arpa/],
  ['domain under .test', (c) => (c.domain = 'hobby.test'), /domain: got "hobby\.test", expected .*not under \.test/],
  ['domain under .onion', (c) => (c.domain = 'hobby.onion'), /domain: got "hobby\.onion", expected .*not under \.onion/],
  ['domain under .internal', (c) => (c.domain = 'corp.internal'), /domain: got "corp\.internal", expected .*not under \.internal/],
  ['domain under .example', (c) => (c.domain = 'hobby.example'), /domain: got "hobby\.example", expected .*not under \.example/],
  ['domain whose hosts exceed 253 characters', (c) => (c.domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(60)}.dev`), /domain: got "a{63}\.b+\.\.\., expected a domain of at most 189 characters \(got 192\)/],
  ['domain under no delegated TLD', (c) => (c.domain = 'hobby.notatld'), /domain: got "hobby\.notatld", expected a domain under a top-level domain ICANN delegates/],
  ['ACME contact at example.com', (c) => (c.acmeEmail = 'ops@example.com'), /acmeEmail: got "ops@example\.com", expected an address Let's Encrypt accepts as the ACME contact; it refuses @example\.com/],
  ['ACME contact under .local', (c) => (c.acmeEmail = 'ops@lab.local'), /acmeEmail: got "ops@lab\.local", expected .*"Domain name does not end with a valid public suffix \(TLD\)"/],
  ['ACME contact at a public suffix', (c) => (c.acmeEmail = 'ops@co.uk'), /acmeEmail: got "ops@co\.uk", expected .*"Domain name is an ICANN TLD"/],
  ['ACME contact with a reserved label', (c) => (c.acmeEmail = 'ops@ab--cd.com'), /acmeEmail: got "ops@ab--cd\.com", expected .*reserved format \(R-LDH/],
  ['network inside the pod range', (c) => (c.network = { cidr: '10.42.0.0/24' }), /network\.cidr: got "10\.42\.0\.0\/24", expected a range outside k3s' pod range 10\.42\.0\.0\/16/],
  ['network covering the Service range', (c) => (c.network = { cidr: '10.43.128.0/20' }), /network\.cidr: got "10\.43\.128\.0\/20", expected a range outside k3s' Service range 10\.43\.0\.0\/16/],
  ['network equal to the pod range', (c) => (c.network = { cidr: '10.42.0.0/16' }), /network\.cidr: got "10\.42\.0\.0\/16", expected a range outside k3s' pod range/],
  ['a Kubernetes version Civo does not offer', (c) => (c.kubernetes = { ...c.kubernetes, version: '1.33.1-k3s1' }), /kubernetes\.version: got "1\.33\.1-k3s1", expected a version Civo offers .*nearest 1\.32\.5-k3s1/],
  ['a k3s build Civo does not offer', (c) => (c.kubernetes = { ...c.kubernetes, version: '1.32.5-k3s2' }), /kubernetes\.version: got "1\.32\.5-k3s2", expected a version Civo offers/],
  ['admin CIDR inside Cloudflare IPv4', (c) => (c.adminCidrs = ['104.16.0.0/16']), /adminCidrs\.0: got "104\.16\.0\.0\/16", expected a CIDR outside Cloudflare's edge ranges \(it overlaps 104\.16\.0\.0\/13/],
  ['admin CIDR one Cloudflare address', (c) => (c.adminCidrs = ['198.51.100.7/32', '172.64.1.1/32']), /adminCidrs\.1: got "172\.64\.1\.1\/32", expected a CIDR outside Cloudflare's edge ranges \(it overlaps 172\.64\.0\.0\/13/],
  ['admin CIDR inside Cloudflare IPv6', (c) => (c.adminCidrs = ['2606:4700:10::/48']), /adminCidrs\.0: got "2606:4700:10::\/48", expected a CIDR outside Cloudflare's edge ranges \(it overlaps 2606:4700::\/32/],
];

describe('meaning-level bad input is refused naming the file and field, dist/ untouched', () => {
  test('the corpus is large enough to matter', () => {
    expect(appCases.length + configCases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(appCases)('app: %s', async (_, spec, expected) => {
    const text = await appRefused(outdir, 'demo', spec);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/\n\s+at \S+ \(/);
  });

  test.each(configCases)('config: %s', async (_, mutate, expected) => {
    const text = await configRefused(outdir, mutate);
    expect(text).toMatch(expected);
    expect(text).not.toMatch(/\n\s+at \S+ \(/);
  });
});
