import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SIGN_IN } from '../../lib/platform-contracts';
import { fixtureCluster as cluster } from '../fixtures/cluster';
import { takesRedirect, type GitHubUser } from '../fixtures/fake-github';
import { send } from '../fixtures/forward-auth';
import { buildOAuth2Proxy, startSignInRig, type Jar, type SignInRig } from '../fixtures/oauth2-proxy';
import { appFile, find, render } from '../helpers';

/*
 * A login that lists users, with the real oauth2-proxy: oauth2-proxy v7 checks GitHub users only at
 * sign-in, so such a login has a sign-in of its own (charts/sign-in.ts). Both sign-ins synth renders
 * run here, each with its own rendered flags and the one Secret, behind the rendered Middlewares of
 * an app whose login lists a user and an org (`friends`), one of a user and a team (`crew`) and
 * one of orgs only (`tools`); GitHub's
 * callbacks at auth.<domain> are routed by the rendered auth Ingress's paths, and the stand-in
 * GitHub holds every redirect URL to the callback URLs docs/setup.md has the user register: each
 * sign-in's `--redirect-url`, matched exactly.
 */

const people: Record<string, GitHubUser> = {
  // Listed by name, in no organisation.
  alice: { login: 'alice', email: 'alice@mail.test', orgs: [], teams: [] },
  carol: { login: 'carol', email: 'carol@mail.test', orgs: ['Octo-Family'], teams: [] },
  // Neither listed nor in the family: only the app of octo-org lets him in.
  bob: { login: 'bob', email: 'bob@mail.test', orgs: ['octo-org'], teams: ['octo-org/dev'] },
  dave: { login: 'dave', email: 'dave@mail.test', orgs: ['octo-org'], teams: ['octo-org/ops'] },
};

const { objects } = render({
  apps: [
    appFile('friends', { image: 'ghcr.io/me/friends:1.0.0', port: 8080, hosts: ['friends'], login: { github: { users: ['alice'], orgs: ['Octo-Family'] } } }),
    appFile('crew', { image: 'ghcr.io/me/crew:1.0.0', port: 8080, hosts: ['crew'], login: { github: { users: ['alice'], teams: ['octo-org/ops'] } } }),
    appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], login: { github: { orgs: ['octo-org'] } } }),
  ],
});
const OWN = `${SIGN_IN.service}-friends`;
const SHARED_CALLBACK = `https://auth.${cluster.domain}/oauth2/callback`;
/** Each sign-in's `--redirect-url`: the callback URLs docs/setup.md has the user add to the OAuth app. */
const redirectUrls: string[] = objects
  .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === SIGN_IN.namespace)
  .flatMap((d: any) => d.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('--redirect-url=')).map((a: string) => a.slice('--redirect-url='.length)));
const client = { id: 'fixture-client-id', secret: randomBytes(20).toString('hex'), callbacks: redirectUrls.map((url) => ({ url })) };
const ownCookie = (find(objects, 'Deployment', OWN, SIGN_IN.namespace) as any).spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--cookie-name=')).slice('--cookie-name='.length);

let rig: SignInRig | undefined;
let missingGo: string | undefined;

beforeAll(async () => {
  const built = await buildOAuth2Proxy();
  if ('missing' in built) return void (missingGo = built.missing);
  rig = await startSignInRig(built.binary, objects, { namespace: SIGN_IN.namespace, authIngress: SIGN_IN.service, domain: cluster.domain, client, apps: ['friends', 'crew', 'tools'] });
  expect([...rig.proxies.keys()].sort()).toEqual([SIGN_IN.service, `${SIGN_IN.service}-crew`, OWN]);
});
afterAll(() => rig?.close());

const visit = (app: string, jar: Jar, extra: Record<string, string> = {}) => rig!.visit(app, '/', jar, extra);
const signIn = (who: GitHubUser, app: string) => rig!.signIn(who, app);
const logs = () => [...rig!.proxies.values()].map((p) => p.log().slice(-2000)).join('\n');
const seen = () => rig!.seen;

describe('a login that lists users, kept by its own sign-in', () => {
  test("without a session: to GitHub naming its own callback, which GitHub takes once it is registered (or below a wildcard one)", async (context) => {
    if (missingGo) context.skip(missingGo);
    const answer = await visit('friends', new Map());
    expect(answer.status).toBe(302);
    const redirect = new URL(answer.headers.location!).searchParams.get('redirect_uri')!;
    expect(redirect).toBe(`https://auth.${cluster.domain}/oauth2/callback/friends/callback`);
    expect(redirectUrls.sort()).toEqual([SHARED_CALLBACK, `${SHARED_CALLBACK}/crew/callback`, redirect].sort());
    // An OAuth app with only the shared callback, matched exactly, refuses it; wildcard matching on that one takes it (and no path beside it, nor another host).
    expect(takesRedirect([{ url: SHARED_CALLBACK }], redirect)).toBe(false);
    const wildcard = [{ url: SHARED_CALLBACK, wildcard: true }];
    expect([redirect, `https://auth.${cluster.domain}/oauth2/friends/callback`, `https://friends.${cluster.domain}/oauth2/callback`].map((r) => takesRedirect(wildcard, r))).toEqual([true, false, false]);
    // Its route at auth.<domain>, as npm run smoke asks it (lib/delivery/smoke-targets.ts): a sign-in naming the same callback.
    const smoke = await send(`${rig!.proxies.get(OWN)!.url}/oauth2/callback/friends`, { host: `auth.${cluster.domain}`, 'x-forwarded-proto': 'https', 'x-forwarded-host': `auth.${cluster.domain}` });
    expect([smoke.status, new URL(smoke.headers.location!).searchParams.get('redirect_uri')]).toEqual([302, redirect]);
  });

  test('a listed user signs in (her own cookie, for the whole domain) and reaches the app as herself', async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar, callback } = await signIn(people.alice!, 'friends');
    expect(callback.status, `${callback.body}\n${logs()}`).toBe(302);
    expect(callback.headers.location).toBe(`https://friends.${cluster.domain}/`);
    const session = (callback.headers['set-cookie'] ?? []).find((c) => /^_oauth2_proxy_own_friends_[0-9a-f]{8}=/.test(c))!;
    expect(session).toMatch(new RegExp(`; Domain=${cluster.domain.replace('.', '\\.')}(;|$)`, 'i'));
    expect(JSON.parse((await visit('friends', jar)).body).user).toBe('alice');
    // And no more than that app: her session is that sign-in's.
    expect((await visit('tools', jar)).status).toBe(302);
  });

  test("a member of the login's one org signs in too", async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar } = await signIn(people.carol!, 'friends');
    expect(JSON.parse((await visit('friends', jar)).body).user).toBe('carol');
  });

  test('anyone else is refused at sign-in, gets no session, and the app sees nothing', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen().length;
    const { jar, callback } = await signIn(people.bob!, 'friends');
    // oauth2-proxy's answer when its GitHub restrictions refuse a sign-in: its error page, status 500.
    expect(callback.status).toBe(500);
    expect(rig!.proxies.get(OWN)!.log()).toMatch(/user is missing required organization/);
    expect(jar.has(ownCookie)).toBe(false);
    expect((await visit('friends', jar)).status).toBe(302);
    expect(seen().length).toBe(before);
  });

  test("beside users, the login's team: its members sign in, the org's other members do not", async (context) => {
    if (missingGo) context.skip(missingGo);
    for (const who of [people.alice!, people.dave!]) expect(JSON.parse((await visit('crew', (await signIn(who, 'crew')).jar)).body).user).toBe(who.login);
    const { jar, callback } = await signIn(people.bob!, 'crew');
    expect(callback.status).toBe(500);
    expect(rig!.proxies.get(`${SIGN_IN.service}-crew`)!.log()).toMatch(/user is missing required team/);
    expect((await visit('crew', jar)).status).toBe(302);
  });

  test("another sign-in's session is no session here, not even under this one's cookie name", async (context) => {
    if (missingGo) context.skip(missingGo);
    const { jar } = await signIn(people.bob!, 'tools');
    expect(JSON.parse((await visit('tools', jar)).body).user).toBe('bob');
    const before = seen().length;
    expect((await visit('friends', jar)).status).toBe(302);
    // The same key signs both, but oauth2-proxy signs a value with its cookie's name.
    const renamed: Jar = new Map([[ownCookie, jar.get('_oauth2_proxy')!]]);
    expect((await visit('friends', renamed)).status).toBe(302);
    expect(seen().length).toBe(before);
  });

  test('a forged user header: refused without a session, replaced with one', async (context) => {
    if (missingGo) context.skip(missingGo);
    const before = seen().length;
    expect((await visit('friends', new Map(), { 'x-auth-request-user': 'alice' })).status).toBe(302);
    expect(seen().length).toBe(before);
    const { jar } = await signIn(people.carol!, 'friends');
    expect(JSON.parse((await visit('friends', jar, { 'x-auth-request-user': 'alice', 'X.Auth.Request.User': 'alice' })).body).user).toBe('carol');
    expect(Object.keys(seen().at(-1)!).filter((n) => /auth.request/i.test(n)).sort()).toEqual(['x-auth-request-email', 'x-auth-request-user']);
  });
});
