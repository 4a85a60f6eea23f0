import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { refuseSecrets } from '../lib/secret-scan';
import { highEntropyProblem, URL_USER_INFO, urlPasswords } from '../lib/secret-rules';
import { prng } from './fixtures/oracles';
import { appRefused, scratchDist } from './fixtures/bad-input';
import { fixtureApps } from './fixtures/apps';
import { UNUSUAL_APPS, unusualAppSources } from './fixtures/app-corpus';
import { appVariantSources } from './fixtures/app-variants';
import { exampleSources } from './fixtures/examples';
import { appFile, render } from './helpers';

/*
 * The bad-input corpus, secrets secretlint's recommended preset misses (issue 23, class 6), caught
 * by lib/secret-rules.ts in synth's scanner: vendor token formats, an AWS key pair under harmless
 * names, base64-encoded credentials and private keys, passwords in any URL, and env values of high
 * entropy. Each is refused naming the app file and the env var, never showing the value. The same
 * rules flag nothing in the examples, the fixtures and the unusual corpus, and a value an app
 * declares `notSecret` (with a reason) passes.
 *
 * Every secret-looking value is assembled at run time, so this file stays clean for secretlint and
 * for push protection; none of them is a real credential.
 */

const root = resolve(import.meta.dirname, '..');
const outdir = scratchDist();

const j = (...parts: string[]) => parts.join('');
const b64 = (text: string) => Buffer.from(text).toString('base64');
const demo = { image: 'ghcr.io/me/demo:1.0.0', port: 8080, hosts: ['demo'] };
const withEnv = (env: Record<string, string>, more: object = {}) => ({ ...demo, env, ...more });
const pem = j('-----BEGIN ', 'OPENSSH PRIVATE KEY-----\n', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n', '-----END ', 'OPENSSH PRIVATE KEY-----\n');
const awsId = j('AKIA', 'QYLPMN5HFIQR7BZL');
const awsSecret = j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYzEXAMPLEKEY');

// [case, env, the field and the format the message must name, the value it must not show]
const cases: [string, object, RegExp, string][] = [
  ['AWS access key id under a harmless name', withEnv({ LOGIN: awsId }), /env\.LOGIN: got a value secretlint flags as a secret \(AWS_ACCESS_KEY_ID/, awsId],
  ['AWS session key id (ASIA)', withEnv({ ID: j('ASIA', 'QYLPMN5HFIQR7BZL') }), /env\.ID: .*AWS_ACCESS_KEY_ID/, 'QYLPMN5HFIQR7BZL'],
  ['AWS secret access key under a harmless name', withEnv({ LOGIN: 'deploy', BLOB: awsSecret }), /env\.BLOB: .*HIGH_ENTROPY_VALUE/, awsSecret],
  ['Stripe live secret key', withEnv({ BILLING: j('sk_live_', '51H8sXyAbCdEfGhIjKlMnOpQrStUv') }), /env\.BILLING: .*STRIPE_SECRET_KEY/, '51H8sXy'],
  ['Stripe restricted key', withEnv({ BILLING: j('rk_live_', '51H8sXyAbCdEfGhIjKlMnOpQrStUv') }), /env\.BILLING: .*STRIPE_SECRET_KEY/, '51H8sXy'],
  ['Slack bot token', withEnv({ NOTIFY: j('xoxb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx') }), /env\.NOTIFY: .*SLACK_TOKEN/, 'AbCdEfGh'],
  ['GitLab personal access token', withEnv({ GL: j('glpat-', 'xY7kQm2PzR9vLw4NtB3s') }), /env\.GL: .*GITLAB_PERSONAL_ACCESS_TOKEN/, 'xY7kQm2P'],
  ['npm token', withEnv({ REGISTRY: j('npm_', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5') }), /env\.REGISTRY: .*NPM_ACCESS_TOKEN/, 'aB3dE5fG'],
  ['OpenAI project key', withEnv({ LLM: j('sk-proj-', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3k') }), /env\.LLM: .*OPENAI_API_KEY/, 'aB3dE5fG'],
  ['SendGrid key', withEnv({ MAILER: j('SG.', 'aB3dE5fG7hJ9kL1mN3pQ5r.', 'S7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5') }), /env\.MAILER: .*SENDGRID_API_KEY/, 'aB3dE5fG'],
  ['Twilio API key', withEnv({ SMS: j('SK', '0123456789abcdef0123456789abcdef') }), /env\.SMS: .*TWILIO_API_KEY/, '0123456789abcdef'],
  ['Google API key', withEnv({ MAPS: j('AIza', 'SyD3fG5hJ7kL9mN1pQ3rS5tU7vW9xY1zA3b') }), /env\.MAPS: .*GOOGLE_API_KEY/, 'SyD3fG5h'],
  ['Discord bot token', withEnv({ BOT: j('MTA4NzU0MzIxMDk4NzY1NDMyMQ', '.GhIjKl.', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC') }), /env\.BOT: .*DISCORD_BOT_TOKEN/, 'GhIjKl'],
  ['Telegram bot token', withEnv({ BOT: j('110201543', ':AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw') }), /env\.BOT: .*TELEGRAM_BOT_TOKEN/, 'AAHdqTcv'],
  ['Hugging Face token', withEnv({ HUB: j('hf_', 'aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH') }), /env\.HUB: .*HUGGINGFACE/, 'aBcDeFgH'],
  ['Anthropic key', withEnv({ LLM: j('sk-ant-', 'api03-', 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3fG5hJ7kL9mN1pQ3-AbCdEfAA') }), /env\.LLM: .*ANTHROPIC_API_KEY/, 'aB3dE5fG'],
  ['DigitalOcean token', withEnv({ DO: j('dop_v1_', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef') }), /env\.DO: .*DIGITALOCEAN_TOKEN/, '0123456789abcdef'],
  ['Shopify access token', withEnv({ SHOP: j('shpat_', '0123456789abcdef0123456789abcdef') }), /env\.SHOP: .*SHOPIFY/, '0123456789abcdef'],
  ['PyPI token', withEnv({ UPLOAD: j('pypi-', 'AgEIcHlwaS5vcmc', 'CJGE0ZjA5ZTQ5LWU0NzYtNDhlMy1hZTJlLTUwYzQ4YjQ5MmZlMAACKlsz') }), /env\.UPLOAD: .*PYPI_TOKEN/, 'CJGE0ZjA5'],
  ['a JSON web token', withEnv({ SERVICE: j('eyJhbGciOiJIUzI1NiJ9', '.eyJzdWIiOiJhcHAiLCJyb2xlIjoiYWRtaW4ifQ.', 'c2lnbmF0dXJlLW9mLXRoZS10b2tlbg') }), /env\.SERVICE: .*JSON_WEB_TOKEN/, 'eyJzdWIi'],
  ['a private key encoded in base64', withEnv({ DEPLOY: b64(pem) }), /env\.DEPLOY: .*BASE64_ENCODED_PRIVATE_KEY/, b64(pem).slice(0, 20)],
  ['user:password encoded in base64', withEnv({ UPSTREAM_BASIC: b64(j('admin', ':Sup3r-S3cret!')) }), /env\.UPSTREAM_BASIC: .*BASE64_ENCODED_CREDENTIALS/, b64(j('admin', ':Sup3r-S3cret!'))],
  ['a token encoded in base64', withEnv({ BLOB: b64(j('glpat-', 'xY7kQm2PzR9vLw4NtB3s')) }), /env\.BLOB: .*BASE64_ENCODED_GITLAB/, 'xY7kQm2P'],
  ['a private key block in a config file', { ...demo, files: { '/etc/ssh/id': pem } }, /files\.\/etc\/ssh\/id: .*PRIVATE_KEY/, 'b3BlbnNzaC1rZXkt'],
  ['password in a redis:// URL', withEnv({ CACHE: j('redis://', ':s3cr3tP4ss', '@cache:6379/0') }), /env\.CACHE: .*URL_PASSWORD/, 's3cr3tP4ss'],
  ['password in a rediss:// URL', withEnv({ CACHE: j('rediss://', 'default:s3cr3tP4ss', '@cache.example.com:6380') }), /env\.CACHE: .*URL_PASSWORD/, 's3cr3tP4ss'],
  ['password in an amqp:// URL', withEnv({ BROKER: j('amqp://', 'guest:s3cr3tP4ss', '@mq:5672/') }), /env\.BROKER: .*URL_PASSWORD/, 's3cr3tP4ss'],
  ['password in an amqps:// URL', withEnv({ BROKER: j('amqps://', 'app:s3cr3tP4ss', '@mq.example.com/vhost') }), /env\.BROKER: .*URL_PASSWORD/, 's3cr3tP4ss'],
  ['password in a mongodb+srv:// URL', withEnv({ STORE: j('mongodb+srv://', 'app:s3cr3tP4ss', '@cluster0.abcde.mongodb.net/db') }), /env\.STORE: .*URL_PASSWORD/, 's3cr3tP4ss'],
  ['password with punctuation in a URL', withEnv({ MAIN: j('postgres://', 'app:p@ss!w0rd#', '@db:5432/app') }), /env\.MAIN: .*URL_PASSWORD/, 'w0rd'],
  ['percent-encoded password in a URL', withEnv({ UPSTREAM: j('https://', 'app:p%40ss%21w0rd', '@api.example.com/') }), /env\.UPSTREAM: .*URL_PASSWORD/, 'p%40ss'],
  ['high-entropy value under a name hinting at a credential', withEnv({ HOOK_AUTH: j('9f86d081884c7d65', '9a2feaa0c55ad015') }), /env\.HOOK_AUTH: .*HIGH_ENTROPY_VALUE_UNDER_A_CREDENTIAL_NAME/, '9f86d081'],
  ['high-entropy value in a job env', { ...demo, jobs: { seed: { image: 'ghcr.io/me/demo:1.0.0', env: { SEED: awsSecret } } } }, /jobs\.seed\.env\.SEED: .*HIGH_ENTROPY_VALUE/, awsSecret],
];

describe('secrets the preset misses are refused with the app file and env var named, never shown, dist/ untouched', () => {
  test.each(cases)('%s', async (_, spec, message, secret) => {
    const text = await appRefused(outdir, 'demo', spec);
    expect(text).toMatch(message);
    expect(text).toMatch(/expected no secret in git or dist\/: keep it in Infisical under \/apps\/demo/);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\n\s+at /);
  });

  test('a flagged env var names the override in the message', async () => {
    const text = await appRefused(outdir, 'demo', withEnv({ BLOB: awsSecret }));
    expect(text).toContain("(if it is not a secret, say why beside env: `notSecret: { BLOB: '...' }`)");
  });

  test('notSecret must name a variable of env, with a reason', async () => {
    expect(await appRefused(outdir, 'demo', withEnv({ A: 'x' }, { notSecret: { B: 'a reason long enough' } }))).toMatch(/- notSecret\.B: got a name env does not set/);
    expect(await appRefused(outdir, 'demo', withEnv({ A: 'x' }, { notSecret: { A: 'no' } }))).toMatch(/- notSecret\.A: got "no", expected a sentence saying why/);
  });
});

describe('false positives: none in the examples, the fixtures or the unusual corpus; the rest overridable with a reason', () => {
  const sets = { 'the examples': exampleSources, 'the fixture apps': fixtureApps, 'the unusual corpus': unusualAppSources, 'the app variants': appVariantSources };
  test.each(Object.entries(sets))('%s pass the scanner, platform included', async (_, sources) => {
    expect(sources.length).toBeGreaterThan(2);
    const { files, apps } = render({ apps: sources });
    await expect(refuseSecrets(files, apps, root)).resolves.toBeUndefined();
  });

  test('no env value of the examples, fixtures or unusual corpus is near the entropy thresholds', () => {
    const specs = [...exampleSources, ...fixtureApps].map((s) => s.exports.default as any).concat(Object.values(UNUSUAL_APPS));
    const envs = specs.flatMap((spec) => [spec, ...Object.values(spec?.components ?? {}), ...Object.values(spec?.jobs ?? {}), ...Object.values(spec?.cronJobs ?? {})]).flatMap((p: any) => Object.entries((p?.env ?? {}) as Record<string, string>));
    expect(envs.length).toBeGreaterThan(20);
    expect(envs.filter(([name, value]) => highEntropyProblem(name, value))).toEqual([]);
  });

  test('a value declared notSecret with a reason passes, the same value without it is refused', async () => {
    const value = j('Q2h3Zk9xTnJ0WmY4', 'dkw1bVk3cEEx9Zx2');
    expect(await appRefused(outdir, 'demo', withEnv({ BUILD_HASH: value }))).toMatch(/env\.BUILD_HASH: .*HIGH_ENTROPY_VALUE/);
    const { files, apps } = render({ apps: [...fixtureApps, appFile('demo', withEnv({ BUILD_HASH: value }, { notSecret: { BUILD_HASH: 'the public build hash the image reports' } }))] });
    await expect(refuseSecrets(files, apps, root)).resolves.toBeUndefined();
  });
});

test('class 6 brings at least 30 cases to the corpus', () => {
  expect(cases.length + 3).toBeGreaterThanOrEqual(30);
});

describe("the URL user-info scan finds what its regex finds", () => {
  // urlPasswords starts from each `://` instead of trying every letter: same matches, same ends.
  test('on a seeded corpus of URL-like text', () => {
    const random = prng(23);
    let found = 0;
    const pick = (xs: readonly string[]): string => xs[Math.floor(random() * xs.length)]!;
    const junk = ['', ' ', '"', "'", '\n', '_', 'x_', '+', '.', '-', '9', '://', '@', ':', '/', '#'];
    const schemes = ['redis', 'a', 'Z9', 'mongodb+srv', 'x.y-z', '9http', '_s', 'ht tp', ''];
    const users = ['', 'u', 'user', 'a/b', 'a@b', 'u:v', 'x y', '"q'];
    const passwords = ['pw', 'p@ss', '$(X)', '123', 'p:w', 'p/w', 'p w', '', 'p%40w', "p'"];
    const hosts = ['h', '[::1]', '-x', '', '9', 'host.example/x'];
    // URL-shaped pieces and junk around them, so both matches and near misses are common.
    const url = () => `${pick(schemes)}://${pick(users)}${pick([':', ''])}${pick(passwords)}${pick(['@', '@', ''])}${pick(hosts)}`;
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(junk) + url() + pick(junk)).join('');
      const expected = [...text.matchAll(URL_USER_INFO)].map((m) => ({ end: m.index + m[0].length, password: m[2]! }));
      expect([...urlPasswords(text)], JSON.stringify(text)).toEqual(expected);
      found += expected.length;
    }
    expect(found).toBeGreaterThan(100);
  });
});
