import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IMAGES } from '../../config/versions';
import { SIGN_IN } from '../../lib/platform-contracts';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import { fakeGitHub, type FakeGitHub, type GitHubUser } from '../fixtures/fake-github';
import { forwardAuthFront, send, type Answer, type ForwardAuthSpec } from '../fixtures/forward-auth';
import { appFile, find, render } from '../helpers';

/*
 * The sign-in at the edge with the real oauth2-proxy, built from its Go module at the version the
 * chart runs (scripts/build-oauth2-proxy.sh, cached outside the repository), started on loopback
 * with the flags dist/ gives the Deployment, behind Traefik's ForwardAuth as the app's rendered
 * Middleware configures it (test/fixtures/forward-auth.ts), in front of a small upstream that
 * echoes what it receives, and with a stand-in GitHub (test/fixtures/fake-github.ts). Only the
 * listen address and GitHub's URLs are changed from what dist/ says.
 */

const root = resolve(import.meta.dirname, '../..');
const client = { id: 'fixture-client-id', secret: randomBytes(20).toString('hex') };
const appHost = `tools.${cluster.domain}`;
const authHost = `auth.${cluster.domain}`;
const people: Record<string, GitHubUser> = {
  alice: { login: 'alice', email: 'alice@mail.test', orgs: ['octo-org'], teams: ['octo-org/ops'] },
  carol: { login: 'carol', email: 'carol@mail.test', orgs: ['Octo-Family'], teams: [] },
  // In the org, but not in the team the app lists, nor in the family.
  bob: { login: 'bob', email: 'bob@mail.test', orgs: ['octo-org', 'other-org'], teams: ['octo-org/dev'] },
};

/** What synth renders: the Deployment's flags and the app's Middleware. */
const { objects } = render({ apps: [appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], login: { github: { orgs: ['Octo-Family'], teams: ['octo-org/ops'] } } })] });
const container = (find(objects, 'Deployment', SIGN_IN.service, SIGN_IN.namespace) as any).spec.template.spec.containers[0];
const renderedArgs: string[] = container.args;
/** The container's environment as dist/ fills it: the ExternalSecret's keys, from what Infisical holds. */
const secret = find(objects, 'ExternalSecret', container.envFrom[0].secretRef.name, SIGN_IN.namespace) as any;
const middleware: ForwardAuthSpec = (find(objects, 'Middleware', 'login', 'tools') as any).spec.forwardAuth;

let github: FakeGitHub;
let proxy: ChildProcess | undefined;
let proxyUrl: string;
let front: Awaited<ReturnType<typeof forwardAuthFront>>;
let upstream: Server;
const seen: Record<string, string | string[] | undefined>[] = [];
let missingGo: string | undefined;
let log = "";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const { port } = s.address() as AddressInfo;
  await new Promise((done) => s.close(done));
  return port;
}

beforeAll(async () => {
  let binary: string;
  try {
    const { stdout } = await promisify(execFile)('nice', ['-n', '10', 'bash', resolve(root, 'scripts/build-oauth2-proxy.sh'), IMAGES.oauth2Proxy.tag], { encoding: 'utf8', timeout: 30 * 60_000 });
    binary = stdout.trim().split('\n').pop()!;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: unknown };
    if (code === 3 && !process.env.CI) return void (missingGo = String(stderr).trim());
    throw new Error(`scripts/build-oauth2-proxy.sh failed: ${String(stderr ?? (error as Error).message).trim().split('\n').pop()}`);
  }
  github = await fakeGitHub(client);
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, user: req.headers['x-auth-request-user'] ?? null, email: req.headers['x-auth-request-email'] ?? null }));
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  const port = await freePort();
  proxyUrl = `http://127.0.0.1:${port}`;
  const args = [
    ...renderedArgs.map((a) => (a.startsWith('--http-address=') ? `--http-address=127.0.0.1:${port}` : a)),
    `--login-url=${github.url}/login/oauth/authorize`,
    `--redeem-url=${github.url}/login/oauth/access_token`,
    `--validate-url=${github.url}/`,
  ];
  // What docs/setup.md has the user store in Infisical /platform/sign-in.
  const infisical: Record<string, string> = { GITHUB_OAUTH_CLIENT_ID: client.id, GITHUB_OAUTH_CLIENT_SECRET: client.secret, COOKIE_SECRET: randomBytes(32).toString('base64url') };
  const env = { ...Object.fromEntries(secret.spec.data.map((d: any) => [d.secretKey, infisical[d.remoteRef.key]])), PATH: process.env.PATH };
  proxy = spawn(binary, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  log = "";
  proxy.stderr!.on('data', (c) => (log += c));
  for (let i = 0; ; i++) {
    const up = await send(`${proxyUrl}/ping`).catch(() => undefined);
    if (up?.status === 200) break;
    if (i > 100 || proxy.exitCode !== null) throw new Error(`oauth2-proxy did not start with the rendered flags: ${log.slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  front = await forwardAuthFront(middleware, proxyUrl, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  proxy?.kill();
  await Promise.all([github?.close(), front?.close(), upstream && new Promise((done) => upstream.close(done))]);
});

/** A cookie jar of name -> value, fed by Set-Cookie headers. */
type Jar = Map<string, string>;
const keep = (jar: Jar, answer: Answer) => {
  for (const line of answer.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
    if (value) jar.set(name, value);
    else jar.delete(name);
  }
};
const cookieOf = (jar: Jar) => (jar.size ? [...jar].map(([n, v]) => `${n}=${v}`).join('; ') : undefined);
const visit = (path: string, jar: Jar, extra: Record<string, string> = {}) => send(`${front.url}${path}`, { host: appHost, cookie: cookieOf(jar), ...extra });

/** The browser's way through: the app, GitHub, the callback at auth.<domain>, back to the app. */
async function signIn(who: GitHubUser, path: string): Promise<{ jar: Jar; callback: Answer }> {
  const jar: Jar = new Map();
  const start = await visit(path, jar);
  keep(jar, start);
  github.signInAs(who);
  const authorize = await send(start.headers.location!);
  const back = new URL(authorize.headers.location!);
  // Traefik routes auth.<domain>/oauth2 to oauth2-proxy (the sign-in's Ingress).
  const callback = await send(`${proxyUrl}${back.pathname}${back.search}`, { host: back.host, cookie: cookieOf(jar), 'x-forwarded-proto': 'https', 'x-forwarded-host': back.host });
  keep(jar, callback);
  return { jar, callback };
}

describe('oauth2-proxy with the flags dist/ renders, behind the Middleware of an app with a login', () => {
  test('without a session: a redirect to GitHub, the callback at auth.<domain>, and nothing reaches the app', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen.length;
    const answer = await visit('/reports?week=1', new Map());
    expect(answer.status).toBe(302);
    const to = new URL(answer.headers.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(to.searchParams.get('client_id')).toBe(client.id);
    expect(to.searchParams.get('redirect_uri')).toBe(`https://${authHost}/oauth2/callback`);
    // Organisations and teams need read:org.
    expect(to.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['read:org', 'user:email']));
    // A script's request gets 401, not a redirect it cannot follow.
    expect((await visit('/api/data', new Map(), { accept: 'application/json' })).status).toBe(401);
    expect(seen.length).toBe(before);
  });

  test('a member of a listed team: back to the page asked for, then 200 with the user in the header', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar, callback } = await signIn(people.alice!, '/reports?week=1');
    expect(callback.status, `${callback.body}\n${log.slice(-3000)}`).toBe(302);
    expect(callback.headers.location).toBe(`https://${appHost}/reports?week=1`);
    // One session cookie for the whole cluster domain, for HTTPS only, out of scripts' reach.
    const session = (callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('_oauth2_proxy='))!;
    expect(session).toMatch(new RegExp(`; Domain=${cluster.domain.replace('.', '\\.')}(;|$)`, 'i'));
    expect(session).toMatch(/; Secure/i);
    expect(session).toMatch(/; HttpOnly/i);
    const answer = await visit('/reports?week=1', jar);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ path: '/reports?week=1', user: 'alice', email: 'alice@mail.test' });
    expect(github.requests).toEqual(expect.arrayContaining(['POST /login/oauth/access_token', 'GET /user/orgs', 'GET /user/teams', 'GET /user/emails', 'GET /user']));
  });

  test('a member of a listed organisation (as GitHub spells it) gets in too', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar } = await signIn(people.carol!, '/');
    expect(JSON.parse((await visit('/', jar)).body).user).toBe('carol');
  });

  test('a signed-in user in none of the listed orgs and teams gets 403, and the app sees nothing', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar, callback } = await signIn(people.bob!, '/');
    // The sign-in itself succeeds (it serves every app); this app's groups refuse him.
    expect(callback.status).toBe(302);
    const before = seen.length;
    expect((await visit('/', jar)).status).toBe(403);
    expect((await visit('/', jar, { 'x-auth-request-user': 'alice' })).status).toBe(403);
    expect(seen.length).toBe(before);
  });

  test('a forged user header: without a session refused before the app, with one replaced by the real user', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen.length;
    const forged = await visit('/', new Map(), { 'x-auth-request-user': 'alice', 'x-auth-request-email': 'alice@mail.test', 'x-forwarded-user': 'alice' });
    expect(forged.status).toBe(302);
    expect(seen.length).toBe(before);
    const { jar } = await signIn(people.carol!, '/');
    // The dashed names, and aliases that CGI, WSGI or PHP backends read as the same variable.
    const aliases = { 'x-auth-request-user': 'alice', 'x-auth-request-email': 'alice@mail.test', 'X.Auth.Request.User': 'alice', 'x~auth~request~email': 'alice@mail.test', 'X+Auth+Request+User': 'alice' };
    const answer = await visit('/', jar, aliases);
    expect(JSON.parse(answer.body)).toMatchObject({ user: 'carol', email: 'carol@mail.test' });
    const received = seen.at(-1)!;
    expect(Object.keys(received).filter((name) => /auth.request/i.test(name)).sort()).toEqual(['x-auth-request-email', 'x-auth-request-user']);
    expect([received['x-auth-request-user'], received['x-auth-request-email']]).toEqual(['carol', 'carol@mail.test']);
  });

  test('a session cookie made with another key is no session', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar } = await signIn(people.alice!, '/');
    const value = jar.get('_oauth2_proxy')!;
    jar.set('_oauth2_proxy', `${value.slice(0, -8)}AAAAAAAA`);
    expect((await visit('/', jar)).status).toBe(302);
  });
});
