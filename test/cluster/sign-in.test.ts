import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SIGN_IN } from '../../lib/platform-contracts';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import type { GitHubUser } from '../fixtures/fake-github';
import { buildOAuth2Proxy, startSignInRig, type Jar, type SignInRig } from '../fixtures/oauth2-proxy';
import { appFile, render } from '../helpers';

/*
 * The shared sign-in at the edge with the real oauth2-proxy (test/fixtures/oauth2-proxy.ts: built
 * from its Go module at the version the platform runs, started on loopback with the flags dist/
 * gives the Deployment), behind Traefik's ForwardAuth as the app's rendered Middleware configures
 * it (test/fixtures/forward-auth.ts), in front of a small upstream that echoes what it receives,
 * and with a stand-in GitHub (test/fixtures/fake-github.ts) whose OAuth app has the callback URL
 * docs/setup.md registers. A login that lists users is test/cluster/sign-in-users.test.ts.
 */

// The OAuth app of docs/setup.md: its one callback URL, matched exactly (GitHub's default for an app made now).
const client = { id: 'fixture-client-id', secret: randomBytes(20).toString('hex'), callbacks: [{ url: `https://auth.${cluster.domain}/oauth2/callback` }] };
const appHost = `tools.${cluster.domain}`;
const authHost = `auth.${cluster.domain}`;
const people: Record<string, GitHubUser> = {
  alice: { login: 'alice', email: 'alice@mail.test', orgs: ['octo-org'], teams: ['octo-org/ops'] },
  carol: { login: 'carol', email: 'carol@mail.test', orgs: ['Octo-Family'], teams: [] },
  // In the org, but not in the team the app lists, nor in the family.
  bob: { login: 'bob', email: 'bob@mail.test', orgs: ['octo-org', 'other-org'], teams: ['octo-org/dev'] },
};

/** What synth renders: the sign-in's Deployment, Secret and Ingress, and the app's Middleware. */
const { objects } = render({ apps: [appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], login: { github: { orgs: ['Octo-Family'], teams: ['octo-org/ops'] } } })] });

let rig: SignInRig | undefined;
let missingGo: string | undefined;

beforeAll(async () => {
  const built = await buildOAuth2Proxy();
  if ('missing' in built) return void (missingGo = built.missing);
  rig = await startSignInRig(built.binary, objects, { namespace: SIGN_IN.namespace, authIngress: SIGN_IN.service, domain: cluster.domain, client, apps: ['tools'] });
});
afterAll(() => rig?.close());

const log = () => rig?.proxies.get(SIGN_IN.service)?.log() ?? '';
const visit = (path: string, jar: Jar, extra: Record<string, string> = {}) => rig!.visit('tools', path, jar, extra);
const signIn = (who: GitHubUser, path: string) => rig!.signIn(who, 'tools', path);
const github = () => rig!.github;
const seen = () => rig!.seen;

describe('oauth2-proxy with the flags dist/ renders, behind the Middleware of an app with a login', () => {
  test('without a session: a redirect to GitHub, the callback at auth.<domain>, and nothing reaches the app', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen().length;
    const answer = await visit('/reports?week=1', new Map());
    expect(answer.status).toBe(302);
    const to = new URL(answer.headers.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${github().url}/login/oauth/authorize`);
    expect(to.searchParams.get('client_id')).toBe(client.id);
    expect(to.searchParams.get('redirect_uri')).toBe(`https://${authHost}/oauth2/callback`);
    // Organisations and teams need read:org.
    expect(to.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['read:org', 'user:email']));
    // A script's request gets 401, not a redirect it cannot follow.
    expect((await visit('/api/data', new Map(), { accept: 'application/json' })).status).toBe(401);
    expect(seen().length).toBe(before);
  });

  test('a member of a listed team: back to the page asked for, then 200 with the user in the header', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar, callback } = await signIn(people.alice!, '/reports?week=1');
    expect(callback.status, `${callback.body}\n${log().slice(-3000)}`).toBe(302);
    expect(callback.headers.location).toBe(`https://${appHost}/reports?week=1`);
    // One session cookie for the whole cluster domain, for HTTPS only, out of scripts' reach.
    const session = (callback.headers['set-cookie'] ?? []).find((c) => c.startsWith('_oauth2_proxy='))!;
    expect(session).toMatch(new RegExp(`; Domain=${cluster.domain.replace('.', '\\.')}(;|$)`, 'i'));
    expect(session).toMatch(/; Secure/i);
    expect(session).toMatch(/; HttpOnly/i);
    const answer = await visit('/reports?week=1', jar);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ path: '/reports?week=1', user: 'alice', email: 'alice@mail.test' });
    expect(github().requests).toEqual(expect.arrayContaining(['POST /login/oauth/access_token', 'GET /user/orgs', 'GET /user/teams', 'GET /user/emails', 'GET /user']));
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
    const before = seen().length;
    expect((await visit('/', jar)).status).toBe(403);
    expect((await visit('/', jar, { 'x-auth-request-user': 'alice' })).status).toBe(403);
    expect(seen().length).toBe(before);
  });

  test('a forged user header: without a session refused before the app, with one replaced by the real user', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen().length;
    const forged = await visit('/', new Map(), { 'x-auth-request-user': 'alice', 'x-auth-request-email': 'alice@mail.test', 'x-forwarded-user': 'alice' });
    expect(forged.status).toBe(302);
    expect(seen().length).toBe(before);
    const { jar } = await signIn(people.carol!, '/');
    // The dashed names, and aliases that CGI, WSGI or PHP backends read as the same variable.
    const aliases = { 'x-auth-request-user': 'alice', 'x-auth-request-email': 'alice@mail.test', 'X.Auth.Request.User': 'alice', 'x~auth~request~email': 'alice@mail.test', 'X+Auth+Request+User': 'alice' };
    const answer = await visit('/', jar, aliases);
    expect(JSON.parse(answer.body)).toMatchObject({ user: 'carol', email: 'carol@mail.test' });
    const received = seen().at(-1)!;
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
