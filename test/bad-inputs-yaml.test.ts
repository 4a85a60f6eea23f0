import { describe, expect, test } from 'vitest';
import { appRefused, configRefused, scratchDist } from './fixtures/bad-input';
import { fixtureApps } from './fixtures/apps';
import { appFile, render } from './helpers';

/*
 * The bad-input corpus, text no manifest or process can carry (issue 23, class 7): a NUL in what
 * becomes a process's environment or argv (the kernel passes both as C strings), and a lone
 * surrogate anywhere (UTF-8, which kubectl and the API server read, has no form for it). Each is
 * refused naming the file and the field, without showing the value, and dist/ stays as it was.
 * How the writer escapes everything else is checked against kubectl's own reader in
 * test/cluster/yaml-oracle.test.ts.
 */

const outdir = scratchDist();

const demo = { image: 'ghcr.io/me/demo:1.0.0', port: 8080, hosts: ['demo'] };
const two = { hosts: ['demo'], components: { web: { image: 'ghcr.io/me/web:1.0.0', port: 8080 }, api: { image: 'ghcr.io/me/api:1.0.0', port: 8081, path: '/api' } } };
const jobs = (job: object) => ({ ...demo, jobs: { migrate: { image: 'ghcr.io/me/demo:1.0.0', ...job } } });
const cron = (job: object) => ({ ...demo, cronJobs: { nightly: { image: 'ghcr.io/me/demo:1.0.0', schedule: '0 3 * * *', ...job } } });
const NUL = '\0';
// Half of 😀 (U+1F600 is \ud83d\ude00 in JavaScript): what cutting a string by length leaves.
const [highHalf, lowHalf] = ['\ud83d', '\ude00'];
/** What each kind of refusal expects, in the message. */
const EXPECTED = {
  env: /got a value with a NUL character \(U\+0000 at character \d+\), expected a value without NUL: no process can hold one in its environment/,
  argv: /got a word with a NUL character \(U\+0000 at character \d+\), expected a word without NUL: no process can receive one in its arguments/,
  utf8: /got (a name that is )?text with a lone surrogate \(U\+D[89A-F][0-9A-F]{2} at character \d+\), expected well-formed Unicode text: a lone surrogate .* has no UTF-8 form/,
};

// [case, app file name, default export, the field and what the message must say, the kind of refusal, a value it must not show]
const appCases: [string, string, unknown, RegExp, keyof typeof EXPECTED, string?][] = [
  ['NUL inside an env value', 'demo', { ...demo, env: { GREETING: `hello${NUL}world` } }, /- env\.GREETING: got a value with a NUL character \(U\+0000 at character 6\)/, 'env', 'hello'],
  ['NUL at the start of an env value', 'demo', { ...demo, env: { MODE: `${NUL}prod` } }, /- env\.MODE: got a value with a NUL character \(U\+0000 at character 1\)/, 'env', 'prod'],
  ['NUL alone as an env value', 'demo', { ...demo, env: { EMPTYISH: NUL } }, /- env\.EMPTYISH: got a value with a NUL character \(U\+0000 at character 1\)/, 'env'],
  ['NUL in a component env', 'demo', { ...two, components: { ...two.components, api: { ...two.components.api, env: { UPSTREAM: `http://a${NUL}` } } } }, /- components\.api\.env\.UPSTREAM: got a value with a NUL/, 'env'],
  ['NUL in a job env', 'demo', jobs({ env: { TARGET: `v2${NUL}` } }), /- jobs\.migrate\.env\.TARGET: got a value with a NUL/, 'env'],
  ['NUL in a cron job env', 'demo', cron({ env: { BUCKET: `b${NUL}c` } }), /- cronJobs\.nightly\.env\.BUCKET: got a value with a NUL/, 'env'],
  ['NUL in a command', 'demo', { ...demo, command: ['/bin/app', `--name=x${NUL}y`] }, /- command\.1: got a word with a NUL character \(U\+0000 at character 9\)/, 'argv', '--name'],
  ['NUL in args', 'demo', { ...demo, args: [`serve${NUL}`] }, /- args\.0: got a word with a NUL character/, 'argv'],
  ['NUL in a health command', 'demo', { ...demo, healthCommand: ['/bin/check', NUL] }, /- healthCommand\.1: got a word with a NUL/, 'argv'],
  ['NUL in a job command', 'demo', jobs({ command: ['migrate', `up${NUL}`] }), /- jobs\.migrate\.command\.1: got a word with a NUL/, 'argv'],
  ['NUL in a cron job args', 'demo', cron({ args: [`--all${NUL}`] }), /- cronJobs\.nightly\.args\.0: got a word with a NUL/, 'argv'],
  ['lone high surrogate in an env value', 'demo', { ...demo, env: { TITLE: `smile ${highHalf}` } }, /- env\.TITLE: got text with a lone surrogate \(U\+D83D at character 7\)/, 'utf8', 'smile'],
  ['lone low surrogate in an env value', 'demo', { ...demo, env: { TITLE: `${lowHalf}smile` } }, /- env\.TITLE: got text with a lone surrogate \(U\+DE00 at character 1\)/, 'utf8', 'smile'],
  ['an emoji cut in half', 'demo', { ...demo, env: { BANNER: 'Hi 😀 there'.slice(0, 4) } }, /- env\.BANNER: got text with a lone surrogate \(U\+D83D at character 4\)/, 'utf8'],
  ['lone surrogate in args', 'demo', { ...demo, args: ['--title', `a${highHalf}`] }, /- args\.1: got text with a lone surrogate/, 'utf8'],
  ['lone surrogate in a config file', 'demo', { ...demo, files: { '/etc/app/motd': `welcome ${lowHalf}\n` } }, /- files\.\/etc\/app\/motd: got text with a lone surrogate \(U\+DE00 at character 9\)/, 'utf8'],
  ['lone surrogate in a file path', 'demo', { ...demo, files: { [`/etc/app${highHalf}`]: 'x' } }, /- files\."\/etc\/app\\ud83d": got a name that is text with a lone surrogate/, 'utf8'],
  ['lone surrogate in an insecure reason', 'demo', { ...demo, insecure: { runAsRoot: true, reason: `the image needs root ${highHalf} for now` } }, /- insecure\.reason: got text with a lone surrogate/, 'utf8'],
  ['lone surrogate in a component env', 'demo', { ...two, components: { ...two.components, web: { ...two.components.web, env: { NAME: highHalf + lowHalf + lowHalf } } } }, /- components\.web\.env\.NAME: got text with a lone surrogate \(U\+DE00 at character 3\)/, 'utf8'],
];

describe('text no process or manifest can carry is refused with the file and field named, dist/ untouched', () => {
  test.each(appCases)('%s', async (_, name, spec, message, kind, secret) => {
    const text = await appRefused(outdir, name, spec);
    expect(text).toMatch(message);
    expect(text).toMatch(EXPECTED[kind]);
    // Described, never shown: an env value may be a secret.
    if (secret) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\n\s+at /);
  });

  test('a lone surrogate in config/cluster.ts is refused with the field named', async () => {
    const text = await configRefused(outdir, (c) => {
      c.domain = `hobby-fixture.dev${highHalf}`;
    });
    expect(text).toMatch(/- domain: got text with a lone surrogate \(U\+D83D at character 18\)/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  test('a NUL where no process receives it (a config file) is written, escaped, and synth goes on', () => {
    const { files } = render({ apps: [...fixtureApps, appFile('demo', { ...demo, files: { '/etc/app/data': `a${NUL}b` } })] });
    const text = [...files].find(([path]) => /app-demo\.yaml$/.test(path) && files.get(path)!.includes('kind: ConfigMap'))?.[1];
    expect(text).toContain('"a\\0b"');
  });
});

test('class 7 brings at least 20 cases to the corpus', () => {
  expect(appCases.length + 1).toBeGreaterThanOrEqual(20);
});
