import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collectObjects } from '../lib/delivery/manifests';
import { smokeTargets } from '../lib/delivery/smoke-targets';
import { stringify } from 'yaml';
import type { SmokeReport, SmokeResult } from '../lib/report/deploy-report';
import { fixtureCluster } from './fixtures/cluster';
import { CALLBACK, smokeDistFiles, webApp } from './fixtures/smoke-dist';
import { appFile, render } from './helpers';
import { issue } from './test-pki';

/*
 * `npm run smoke` run as a user runs it (node scripts/run.mjs scripts/smoke.ts), against a dist/ the
 * test writes and one loopback HTTPS server that plays every host: a certificate per name (SNI),
 * made here and signed by a CA of the test's own, given with --ca, and an answer per Host header.
 * --resolve sends each name to 127.0.0.1, so what is requested and verified is the public name.
 * The CLI runs in a child process, asynchronously: the server answers in this process meanwhile.
 */

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hobby-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const dist = join(work, 'dist');
for (const [file, text] of smokeDistFiles) {
  mkdirSync(join(dist, file.split('/')[0]!), { recursive: true });
  writeFileSync(join(dist, file), text);
}

// ---- what dist/ says to request (test/fixtures/smoke-dist.ts) --------------------------------------

describe('the targets dist/ gives', () => {
  test('every routed host, at its readiness path where the route reaches it, with what an outsider gets', () => {
    const targets = smokeTargets(collectObjects(smokeDistFiles)).map(({ host, path, expect, health }) => `${host}${path} ${expect}${health ? ' health' : ''}`);
    expect(targets).toEqual([
      'admin.test/healthz private health',
      'auth.test/oauth2 login',
      'broken.test/ public',
      'leaky.test/ private',
      'notes.test/ login',
      'ok.test/healthz public health',
      'open.test/ login',
      'route.test/api/ready public health',
      'shop.test/ public',
      'shop.test/api/health public health',
      'slow.test/ready public health',
      'untrusted.test/ public',
      'wrong-name.test/ public',
    ]);
    const notes = smokeTargets(collectObjects(smokeDistFiles)).find((t) => t.host === 'notes.test');
    expect(notes?.signInCallback).toBe(CALLBACK);
  });

  test('a Prefix path matches whole path elements: /app does not route /apphealth, so /app is requested', () => {
    const [deployment, service, ingress] = webApp('app', 'prefix.test', { probe: '/apphealth' });
    ingress!.spec.rules[0].http.paths[0].path = '/app';
    const files = new Map([['04-apps/app-app.yaml', [deployment, service, ingress].map((o) => stringify(o)).join('---\n')]]);
    expect(smokeTargets(collectObjects(files))).toEqual([{ host: 'prefix.test', path: '/app', expect: 'public', health: false, source: 'Ingress app/app' }]);
    deployment!.spec.template.spec.containers[0].readinessProbe.httpGet.path = '/app/health';
    const routed = new Map([['04-apps/app-app.yaml', [deployment, service, ingress].map((o) => stringify(o)).join('---\n')]]);
    expect(smokeTargets(collectObjects(routed))[0]).toMatchObject({ path: '/app/health', health: true });
  });

  test('the platform as rendered: the status page public, its admin UI and a private app behind the allow-list, a login app and the sign-in redirect', () => {
    const tools = appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], login: { github: { orgs: ['octo-org'] } } });
    const vault = appFile('vault', { image: 'ghcr.io/me/vault:1.0.0', port: 8080, hosts: ['vault'], private: true });
    const { files } = render({ apps: [tools, vault] });
    const domain = fixtureCluster.domain;
    const targets = smokeTargets(collectObjects(files));
    const byUrl = Object.fromEntries(targets.map((t) => [`${t.host}${t.path}`, t.expect]));
    expect(byUrl).toMatchObject({
      [`auth.${domain}/oauth2`]: 'login',
      [`status.${domain}/`]: 'private',
      [`status.${domain}/status`]: 'public',
      [`tools.${domain}/`]: 'login',
      [`vault.${domain}/`]: 'private',
    });
    expect(targets.find((t) => t.host === `tools.${domain}`)?.signInCallback).toBe(`https://auth.${domain}/oauth2/callback`);
  });

  test("a login that names users: its host and its route at auth.<domain> expect its own sign-in's callback", () => {
    const friends = appFile('friends', { image: 'ghcr.io/me/friends:1.0.0', port: 8080, hosts: ['friends'], login: { github: { users: ['octocat'] } } });
    const domain = fixtureCluster.domain;
    const targets = smokeTargets(collectObjects(render({ apps: [friends] }).files));
    const own = `https://auth.${domain}/oauth2/callback/friends/callback`;
    expect(targets.filter((t) => t.signInCallback === own).map((t) => `${t.host}${t.path} ${t.expect}`).sort()).toEqual([`auth.${domain}/oauth2/callback/friends login`, `friends.${domain}/ login`]);
    expect(targets.find((t) => t.host === `auth.${domain}` && t.path === '/oauth2')?.signInCallback).toBe(`https://auth.${domain}/oauth2/callback`);
    // The address read as Traefik reads it (any case); a ForwardAuth to something else names no sign-in's callback.
    const edited = (to: string) => {
      const files = new Map([...render({ apps: [friends] }).files].map(([f, text]) => [f, text.replace('http://oauth2-proxy-friends.sign-in.svc', to)]));
      return smokeTargets(collectObjects(files)).find((t) => t.host === `friends.${domain}`);
    };
    expect(edited('http://OAuth2-Proxy-Friends.Sign-In.svc')).toMatchObject({ expect: 'login', signInCallback: own });
    expect(edited('http://authelia.auth.svc')).toMatchObject({ expect: 'login' });
    expect(edited('http://authelia.auth.svc')?.signInCallback).toBeUndefined();
  });
});

// ---- the loopback server ----------------------------------------------------------------------------

const ca = issue('hobby-infra smoke test CA', { ca: true });
const rogue = issue('someone else CA', { ca: true });
const leafFor = (host: string) =>
  host === 'wrong-name.test' ? issue('other.test', { issuer: ca, dnsNames: ['other.test'] }) : host === 'untrusted.test' ? issue(host, { issuer: rogue }) : issue(host, { issuer: ca });
const hosts = ['ok.test', 'broken.test', 'wrong-name.test', 'untrusted.test', 'admin.test', 'leaky.test', 'slow.test', 'notes.test', 'open.test', 'auth.test', 'shop.test', 'route.test'];
const contexts = new Map(hosts.map((h) => { const leaf = leafFor(h); return [h, createSecureContext({ cert: leaf.cert, key: leaf.key })]; }));
const caFile = join(work, 'ca.pem');
writeFileSync(caFile, ca.cert);

const toGitHub = `https://github.com/login/oauth/authorize?client_id=x&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code`;
/** What each host answers: status, Location; `count` is how many requests it had, this one included. */
const answers: Record<string, (path: string, count: number) => [number, string?]> = {
  'ok.test': (path) => [path === '/healthz' ? 200 : 404],
  'broken.test': () => [502],
  'admin.test': () => [403],
  'leaky.test': () => [200],
  'slow.test': (path, count) => [count <= 3 ? 502 : path === '/ready' ? 200 : 404],
  'notes.test': () => [302, toGitHub],
  'auth.test': (path) => [path === '/oauth2' ? 302 : 404, toGitHub],
  'open.test': () => [200],
  'shop.test': (path) => [path === '/' || path === '/api/health' ? 200 : 404],
  'route.test': (path) => [path === '/api/ready' ? 200 : 404],
};
const seen: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  const fallback = leafFor('ok.test');
  server = createServer({ cert: fallback.cert, key: fallback.key, SNICallback: (name, done) => done(null, contexts.get(name)) }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const sni = (req.socket as TLSSocket).servername;
    seen.push(`${sni} ${host} ${req.url}`);
    const [status, location] = answers[host]?.(req.url!, seen.filter((s) => s.startsWith(`${sni} ${host} `)).length) ?? [421];
    res.writeHead(status, location ? { location } : {}).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

interface Run { code: number | null; stdout: string; stderr: string }
/** The CLI as a user runs it, in its own process; this process keeps serving meanwhile. */
function smoke(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'scripts/smoke.ts', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
const toLoopback = () => hosts.flatMap((h) => ['--resolve', `${h}:${port}:127.0.0.1`]);
const lineOf = (out: string, url: string) => out.split('\n').find((l) => / {2}https:\/\//.test(l) && l.includes(`  ${url}  `) && /^(ok|FAIL) /.test(l));

// ---- the runs -------------------------------------------------------------------------------------

describe('npm run smoke against loopback HTTPS servers', () => {
  test('a report per host, the JSON report, and exit 1 when some host is not as expected', async () => {
    const report = join(work, 'smoke.json');
    const run = await smoke('--dist', dist, '--port', String(port), '--ca', caFile, ...toLoopback(), '--timeout', '2s', '--interval', '100ms', '--report', report);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stderr).toBe('');
    const url = (host: string, path: string) => `https://${host}:${port}${path}`;
    const expected: [string, string, boolean, RegExp][] = [
      ['ok.test', '/healthz', true, /: 200 \(1 try, /],
      ['broken.test', '/', false, /: 502, expected 2xx or a redirect, after \d+ tries in [1-3](\.\d)? s$/],
      ['wrong-name.test', '/', false, /TLS: Hostname\/IP does not match certificate's altnames: .*wrong-name\.test.* \(ERR_TLS_CERT_ALTNAME_INVALID\), after/],
      ['untrusted.test', '/', false, /TLS: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\), after/],
      ['admin.test', '/healthz', true, /: 403 from outside the admin networks \(1 try/],
      ['leaky.test', '/', false, /: 200 from outside the admin networks, expected 403: the admin allow-list let the request through, after/],
      ['slow.test', '/ready', true, /: 200 \(4 tries, /],
      ['notes.test', '/', true, /: 302 to the sign-in \(https:\/\/github\.com\/login\/oauth\/authorize\)/],
      ['auth.test', '/oauth2', true, /: 302 to the sign-in/],
      ['open.test', '/', false, /: 200 without signing in, expected a redirect to the sign-in: the login gate let the request through/],
      ['shop.test', '/', true, /: 200 \(1 try/],
      ['shop.test', '/api/health', true, /: 200 \(1 try/],
      ['route.test', '/api/ready', true, /: 200 \(1 try/],
    ];
    for (const [host, path, ok, detail] of expected) {
      const line = lineOf(run.stdout, url(host, path));
      expect(line, `${host}${path} in\n${run.stdout}`).toBeDefined();
      expect(line!.startsWith(ok ? 'ok    ' : 'FAIL  '), line).toBe(true);
      expect(line, line).toMatch(detail);
    }
    expect(run.stdout).toMatch(/\nsmoke: 5 of 13 did not answer as expected: /);

    const json = JSON.parse(readFileSync(report, 'utf8')) as SmokeReport;
    expect(json.kind).toBe('smoke');
    expect(json.code).toBe(1);
    const byUrl = new Map(json.results.map((r) => [r.url, r]));
    expect(byUrl.size).toBe(expected.length);
    for (const [host, path, ok] of expected) expect(byUrl.get(url(host, path))?.ok, `${host}${path}`).toBe(ok);
    const result = (host: string, path: string) => byUrl.get(url(host, path)) as SmokeResult;
    expect(result('ok.test', '/healthz')).toMatchObject({ host: 'ok.test', expect: 'public', status: 200, attempts: 1 });
    expect(result('slow.test', '/ready')).toMatchObject({ status: 200, attempts: 4, ok: true });
    // The 502 was tried until its time was up, every 100 ms, then given up on.
    const broken = result('broken.test', '/');
    expect(broken.status).toBe(502);
    expect(broken.attempts).toBeGreaterThan(5);
    expect(broken.seconds).toBeGreaterThanOrEqual(1.8);
    expect(broken.seconds).toBeLessThan(3.5);
    expect(result('leaky.test', '/')).toMatchObject({ expect: 'private', status: 200, ok: false });
    expect(result('admin.test', '/healthz')).toMatchObject({ expect: 'private', status: 403, ok: true });
    expect(result('notes.test', '/')).toMatchObject({ expect: 'login', status: 302, ok: true });
    expect(result('untrusted.test', '/').status).toBeUndefined();
    // What reached the server: the public name as SNI and Host, at the paths dist/ gave.
    expect(seen).toContain(`ok.test ok.test /healthz`);
    expect(seen).toContain(`route.test route.test /api/ready`);
    expect(seen.some((s) => s.startsWith('wrong-name.test ') || s.startsWith('untrusted.test '))).toBe(false);
  });

  test('--host limits the check; every host as expected is exit 0', async () => {
    const report = join(work, 'some.json');
    const run = await smoke('--dist', dist, '--port', String(port), '--ca', caFile, ...toLoopback(), '--host', 'ok.test', '--host', 'ADMIN.test', '--report', report);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as SmokeReport;
    expect(json).toMatchObject({ kind: 'smoke', code: 0 });
    expect(json.results.map((r) => `${r.host} ${r.ok}`)).toEqual(['admin.test true', 'ok.test true']);
    expect(run.stdout).toMatch(/\nsmoke: all 2 answered as expected\n$/);
  });

  test('without --ca, the test CA is not trusted: the system store alone decides', async () => {
    const run = await smoke('--dist', dist, '--port', String(port), ...toLoopback(), '--host', 'ok.test', '--timeout', '300ms', '--interval', '100ms');
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(lineOf(run.stdout, `https://ok.test:${port}/healthz`)).toMatch(/^FAIL .*TLS: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });

  test.each([
    [['--timeout', '5'], /^smoke: --timeout: got "5", expected a positive Go duration such as 5m, 90s or 1m30s\n$/],
    [['--interval=0s'], /^smoke: --interval: got "0s", expected a positive Go duration/],
    [['--resolve', 'ok.test:443'], /^smoke: --resolve: got "ok.test:443", expected <host>:<port>:<IP address>, as curl's --resolve\n$/],
    [['--resolve', 'ok.test:8443:127.0.0.1'], /^smoke: --resolve: got port 8443 in "ok.test:8443:127.0.0.1", expected 443, the port requested \(--port\)\n$/],
    [['--host', 'nope.test'], /^smoke: --host: got nope.test, expected one of the hosts .* routes: admin.test, auth.test, /],
    [['--ca', 'package.json'], /^smoke: --ca: got package.json, which holds no PEM certificate, expected a PEM file of CA certificates\n$/],
    [['--dist', 'no-such-dir'], /^smoke: --dist: got no-such-dir\/ with no manifests, expected the rendered dist\/ \(run npm run synth\)\n$/],
  ])('bad input %j: one line, exit 2, a report that says so', async (args, message) => {
    const report = join(work, `bad-${args.join('_').replace(/\W/g, '_')}.json`);
    const run = await smoke('--dist', dist, ...args, '--report', report);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ kind: 'smoke', results: [], code: 2 });
  });
});
