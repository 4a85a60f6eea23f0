import { describe, expect, test } from 'vitest';
import { fixtureCluster as cluster, fixtureClusterInput } from './fixtures/cluster';
import { defineCluster } from '../lib/config';
import { SIGN_IN } from '../lib/platform-contracts';
import { PUBLIC_STATUS_PATHS } from '../charts/uptime-kuma';
import { networkCoverage, renderedPods } from '../lib/delivery/chart-network';
import type { Manifest } from '../lib/render';
import { appFile, find, render } from './helpers';

/*
 * `login` as synth renders it: each app's ForwardAuth middleware asks the sign-in at the edge
 * (charts/sign-in.ts) with its own groups, on every Ingress of the app; Uptime Kuma's admin UI does
 * the same with config `adminLogin` while its status page stays public; and the refusals. What the
 * real oauth2-proxy makes of the rendered flags and addresses is test/cluster/sign-in.test.ts.
 */

const MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';
const tools = (extra: object) => appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools', 'tools-admin'], ...extra });
const middlewaresOf = (o: any): string | undefined => o.metadata.annotations[MIDDLEWARES];

describe('an app with a login', () => {
  const { objects } = render({ apps: [tools({ login: { github: { teams: ['octo-org/ops', 'octo-org/ops'], orgs: ['Octo-Family'] } } })] });

  test('asks the sign-in about every request, with its own groups, and copies only the user headers back', () => {
    const middleware = find(objects, 'Middleware', 'login', 'tools') as any;
    // Teams as oauth2-proxy's GitHub provider names them (org:slug), each once, orgs as spelled.
    expect(middleware.spec).toEqual({
      forwardAuth: {
        address: `http://oauth2-proxy.sign-in.svc.cluster.local:${SIGN_IN.port}/?allowed_groups=Octo-Family,octo-org:ops`,
        authResponseHeaders: ['X-Auth-Request-User', 'X-Auth-Request-Email'],
        authResponseHeadersRegex: SIGN_IN.userHeadersRegex,
      },
    });
    // The regex (Go's syntax) matches the names and their aliases, and nothing else oauth2-proxy answers with.
    const alias = new RegExp(SIGN_IN.userHeadersRegex.replace('(?i)', ''), 'i');
    expect(['X-Auth-Request-User', 'x.auth.request.email', 'X_Auth_Request_User', 'X~Auth+Request|User'].every((h) => alias.test(h))).toBe(true);
    expect(['X-Auth-Request-Groups', 'X-Auth-Request-Preferred-Username', 'X-Auth-Request-Access-Token', 'GAP-Auth', 'X-Auth-Request-User2'].some((h) => alias.test(h))).toBe(false);
    // Traefik's own X-Forwarded-* only (the default); never the deprecated trust of the client's.
    expect(middleware.spec.forwardAuth.trustForwardHeader).toBeUndefined();
  });

  test('puts it in front of every host of the app', () => {
    const ingress = find(objects, 'Ingress', 'tools', 'tools') as any;
    expect(middlewaresOf(ingress)).toBe('tools-login@kubernetescrd');
    expect(ingress.spec.rules.map((r: any) => r.host)).toEqual([`tools.${cluster.domain}`, `tools-admin.${cluster.domain}`]);
  });

  test('with private: true, the allowlist comes first, then the login, then the body limit', () => {
    const both = render({ apps: [tools({ private: true, login: { github: { orgs: ['octo-org'] } }, http: { maxBodySize: '8Mi' } })] }).objects;
    expect(middlewaresOf(find(both, 'Ingress', 'tools', 'tools'))).toBe('tools-admin-only@kubernetescrd,tools-login@kubernetescrd,tools-http-limits@kubernetescrd');
  });

  test('an app without one has no login middleware', () => {
    const open = render({ apps: [tools({})] }).objects;
    expect(open.some((o) => o.kind === 'Middleware' && o.metadata.name === 'login' && o.metadata.namespace === 'tools')).toBe(false);
  });
});

describe('an app whose login lists users: a sign-in of its own', () => {
  const friends = appFile('friends', { image: 'ghcr.io/me/friends:1.0.0', port: 8080, hosts: ['friends'], login: { github: { users: ['hubot', 'octocat', 'hubot'], orgs: ['Octo-Family'] } } });
  const { objects } = render({ apps: [friends, tools({ login: { github: { orgs: ['octo-org'] } } })] });
  const own = find(objects, 'Deployment', `${SIGN_IN.service}-friends`, SIGN_IN.namespace) as any;
  const argsOf = (d: any): string[] => d.spec.template.spec.containers[0].args;

  test('its middleware asks that sign-in, without groups; an app of orgs only still asks the shared one', () => {
    expect((find(objects, 'Middleware', 'login', 'friends') as any).spec.forwardAuth.address).toBe(`http://oauth2-proxy-friends.sign-in.svc.cluster.local:${SIGN_IN.port}/`);
    expect((find(objects, 'Middleware', 'login', 'tools') as any).spec.forwardAuth.address).toBe(`http://oauth2-proxy.sign-in.svc.cluster.local:${SIGN_IN.port}/?allowed_groups=octo-org`);
    expect(objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === SIGN_IN.namespace).map((o) => o.metadata.name).sort()).toEqual(['oauth2-proxy', 'oauth2-proxy-friends']);
  });

  test('which lets only the users, or the one org, sign in, with its own cookie and its callback under GitHub\'s', () => {
    const shared = argsOf(find(objects, 'Deployment', SIGN_IN.service, SIGN_IN.namespace));
    expect(argsOf(own)).toEqual([
      ...shared.map((a) => (a.startsWith('--redirect-url=') ? `--redirect-url=https://auth.${cluster.domain}/oauth2/callback/friends/callback` : a)),
      '--proxy-prefix=/oauth2/callback/friends',
      expect.stringMatching(/^--cookie-name=_oauth2_proxy_own_friends_[0-9a-f]{8}$/),
      '--github-user=hubot,octocat',
      '--github-org=Octo-Family',
    ]);
    const ingress = find(objects, 'Ingress', SIGN_IN.service, SIGN_IN.namespace) as any;
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([['/oauth2', 'oauth2-proxy'], ['/oauth2/callback/friends', 'oauth2-proxy-friends']]);
  });

  const argsFor = (login: object) => argsOf(find(render({ apps: [appFile('friends', { image: 'ghcr.io/me/friends:1.0.0', port: 8080, hosts: ['friends'], login })] }).objects, 'Deployment', 'oauth2-proxy-friends', SIGN_IN.namespace));

  test("teams beside users: their org, and their slugs (oauth2-proxy checks teams only beside an org); users alone name nobody else", () => {
    expect(argsFor({ github: { users: ['octocat'], teams: ['octo-org/ops', 'octo-org/dev'] } }).slice(-3)).toEqual(['--github-user=octocat', '--github-org=octo-org', '--github-team=dev,ops']);
    expect(argsFor({ github: { users: ['octocat'] } }).at(-1)).toBe('--github-user=octocat');
  });

  test('a changed list is a new cookie (sessions made before it count no more); the same list the same one', () => {
    const cookie = (login: object) => argsFor(login).find((a) => a.startsWith('--cookie-name='));
    const before = cookie({ github: { users: ['octocat', 'hubot'] } });
    expect(cookie({ github: { users: ['hubot', 'octocat'] } })).toBe(before);
    expect(cookie({ github: { users: ['octocat'] } })).not.toBe(before);
    expect(cookie({ github: { users: ['octocat', 'hubot'], orgs: ['octo-org'] } })).not.toBe(before);
  });

  test('hardened as the shared one, from the same Secret, and selected by a policy of its own', () => {
    const [a, b] = [own, find(objects, 'Deployment', SIGN_IN.service, SIGN_IN.namespace) as any].map((d) => {
      const { args: _, ...container } = d.spec.template.spec.containers[0];
      return { ...d.spec.template.spec, containers: [container] };
    });
    expect(a).toEqual(b);
    const ownObjects = objects.filter((o) => o.metadata.namespace === SIGN_IN.namespace) as unknown as Manifest[];
    expect(networkCoverage(renderedPods(ownObjects, SIGN_IN.namespace), objects as unknown as Manifest[])).toEqual({ problems: [], covered: 2, hostNetwork: 0, outside: [] });
    expect(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-oauth2-proxy-friends')).toBe(true);
  });

  test("Uptime Kuma's adminLogin with users gets one too", () => {
    const withUsers = defineCluster({ ...fixtureClusterInput, adminLogin: { github: { users: ['octocat'] } } }, 'test/fixtures/cluster.ts');
    const rendered = render({ cluster: withUsers, apps: [] }).objects;
    expect((find(rendered, 'Middleware', 'login', 'uptime-kuma') as any).spec.forwardAuth.address).toBe(`http://oauth2-proxy-uptime-kuma.sign-in.svc.cluster.local:${SIGN_IN.port}/`);
    expect(argsOf(find(rendered, 'Deployment', 'oauth2-proxy-uptime-kuma', SIGN_IN.namespace))).toContain('--github-user=octocat');
  });
});

describe('Uptime Kuma', () => {
  const ingresses = (objects: any[]) => objects.filter((o) => o.kind === 'Ingress' && o.metadata.namespace === 'uptime-kuma');

  test("with adminLogin, the admin UI and setup wizard are behind the admins' login; the status page is public", () => {
    const withLogin = defineCluster({ ...fixtureClusterInput, adminLogin: { github: { teams: ['octo-org/admins'] } } }, 'test/fixtures/cluster.ts');
    const objects = render({ cluster: withLogin, apps: [] }).objects;
    const [admin, status] = [find(objects, 'Ingress', 'uptime-kuma', 'uptime-kuma'), find(objects, 'Ingress', 'uptime-kuma-status-page', 'uptime-kuma')] as any[];
    expect(admin.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
    expect(middlewaresOf(admin)).toBe('uptime-kuma-login@kubernetescrd');
    expect((find(objects, 'Middleware', 'login', 'uptime-kuma') as any).spec.forwardAuth.address).toMatch(/\?allowed_groups=octo-org:admins$/);
    expect(status.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual([...PUBLIC_STATUS_PATHS]);
    expect(middlewaresOf(status)).toBeUndefined();
    expect(ingresses(objects)).toHaveLength(2);
  });

  test('without it, the admin UI answers the admin CIDRs only, as before', () => {
    const objects = render({ apps: [] }).objects;
    expect(middlewaresOf(find(objects, 'Ingress', 'uptime-kuma', 'uptime-kuma'))).toBe('uptime-kuma-admin-only@kubernetescrd');
    expect(objects.some((o) => o.kind === 'Middleware' && o.metadata.name === 'login')).toBe(false);
  });
});

describe('the sign-in at the edge', () => {
  const objects = render({ apps: [] }).objects;
  const args: string[] = (find(objects, 'Deployment', SIGN_IN.service, SIGN_IN.namespace) as any).spec.template.spec.containers[0].args;

  test("serves GitHub's callback at auth.<domain>, with one session cookie for the whole cluster domain", () => {
    expect(args).toContain(`--redirect-url=https://auth.${cluster.domain}/oauth2/callback`);
    expect(args).toContain(`--cookie-domain=.${cluster.domain}`);
    expect(args).toContain(`--whitelist-domain=.${cluster.domain}`);
    const ingress = find(objects, 'Ingress', SIGN_IN.service, SIGN_IN.namespace) as any;
    expect(ingress.spec.rules).toEqual([{ host: `auth.${cluster.domain}`, http: { paths: [expect.objectContaining({ path: '/oauth2' })] } }]);
    expect(middlewaresOf(ingress)).toBeUndefined();
  });

  test('runs under restricted Pod Security, with limits, reading its keys from Infisical /platform/sign-in only', () => {
    expect((find(objects, 'Namespace', SIGN_IN.namespace) as any).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const pod = (find(objects, 'Deployment', SIGN_IN.service, SIGN_IN.namespace) as any).spec.template.spec;
    expect(pod.containers[0].resources.limits.memory).toBeDefined();
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // No secret value in a flag: the client secret and cookie key come from the ExternalSecret's target.
    expect(args.some((a) => /secret|client-id/.test(a))).toBe(false);
    expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: 'oauth2-proxy' } }]);
    const store = find(objects, 'SecretStore', 'infisical', SIGN_IN.namespace) as any;
    expect(store.spec.provider.infisical.secretsScope.secretsPath).toBe('/platform/sign-in');
    const external = find(objects, 'ExternalSecret', 'oauth2-proxy', SIGN_IN.namespace) as any;
    expect(external.spec.data.map((d: any) => d.secretKey).sort()).toEqual(['OAUTH2_PROXY_CLIENT_ID', 'OAUTH2_PROXY_CLIENT_SECRET', 'OAUTH2_PROXY_COOKIE_SECRET']);
  });

  test("its pods, rendered by dist/ itself (no chart), are selected by exactly the policy its chart file declares", () => {
    const own = objects.filter((o) => o.metadata.namespace === SIGN_IN.namespace) as unknown as Manifest[];
    expect(networkCoverage(renderedPods(own, SIGN_IN.namespace), objects as unknown as Manifest[])).toEqual({ problems: [], covered: 1, hostNetwork: 0, outside: [] });
  });

  test('the auth host is a platform host: an app cannot claim it, and hosts.auth moves it', () => {
    expect(() => render({ apps: [appFile('grab', { image: 'ghcr.io/me/grab:1.0.0', port: 8080, hosts: ['auth'] })] })).toThrow(
      new RegExp(`apps/grab\\.ts: invalid declaration\\n  - hosts: got auth\\.${cluster.domain.replace('.', '\\.')}, expected a host no other app claims \\(the platform already does\\)`),
    );
    const moved = defineCluster({ ...fixtureClusterInput, hosts: { status: 'status', auth: 'login' } }, 'test/fixtures/cluster.ts');
    const objects = render({ cluster: moved, apps: [appFile('auth', { image: 'ghcr.io/me/auth:1.0.0', port: 8080, hosts: ['auth'] })] }).objects;
    expect((find(objects, 'Ingress', SIGN_IN.service, SIGN_IN.namespace) as any).spec.rules[0].host).toBe(`login.${cluster.domain}`);
  });
});

describe('a bad login is refused, naming the file and the field', () => {
  const refused = (login: unknown, extra: object = {}) => () => render({ apps: [tools({ login, ...extra })] });
  test.each([
    ['on an app without hosts', { github: { orgs: ['octo-org'] } }, { hosts: undefined, port: undefined }, /apps\/tools\.ts: invalid declaration\n {2}- login: got a login for an app without hosts, expected hosts to put behind it/],
    ['an org with a space', { github: { orgs: ['octo org'] } }, {}, /login\.github\.orgs\.0: got "octo org", expected a GitHub org login such as octo-org/],
    ['an org with a double dash', { github: { orgs: ['octo--org'] } }, {}, /login\.github\.orgs\.0: got "octo--org", expected a GitHub org login/],
    ['an org of 40 characters', { github: { orgs: ['a'.repeat(40)] } }, {}, /login\.github\.orgs\.0: got "a{40}", expected a GitHub org login .*at most 39 characters/],
    ['a team without its org', { github: { teams: ['ops'] } }, {}, /login\.github\.teams\.0: got "ops", expected a GitHub team as org\/team-slug/],
    ['a team by its display name', { github: { teams: ['octo-org/Site Reliability'] } }, {}, /login\.github\.teams\.0: got "octo-org\/Site Reliability", expected a GitHub team as org\/team-slug/],
    ['a user with a trailing dash', { github: { users: ['octocat-'] } }, {}, /login\.github\.users\.0: got "octocat-", expected a GitHub user login/],
    ['users beside two orgs', { github: { users: ['octocat'], orgs: ['octo-org', 'Octo-Family'] } }, {}, /login\.github\.orgs: got \["octo-org","Octo-Family"\], expected at most one org beside users/],
    ['users beside teams of two orgs', { github: { users: ['octocat'], teams: ['octo-org/ops', 'other-org/ops'] } }, {}, /login\.github\.teams: got \["octo-org\/ops","other-org\/ops"\], expected teams of one org, spelled alike, beside users/],
    ['users beside teams of one org spelled two ways', { github: { users: ['octocat'], teams: ['Octo-Org/ops', 'octo-org/dev'] } }, {}, /login\.github\.teams: got \["Octo-Org\/ops","octo-org\/dev"\], expected teams of one org, spelled alike, beside users/],
    ['users beside an org and a team', { github: { users: ['octocat'], orgs: ['octo-org'], teams: ['octo-org/ops'] } }, {}, /login\.github\.teams: got \["octo-org\/ops"\], expected no teams beside users and an org/],
    ['nobody', { github: {} }, {}, /login\.github: got \{\}, expected users, orgs or teams \(a login that anyone with a GitHub account passes keeps nothing private\)/],
    ['an empty list', { github: { orgs: [] } }, {}, /login\.github\.orgs: got \[\], expected at least one entry/],
    ['another provider', { google: { domains: ['example.com'] } }, {}, /login\.google: unknown field, expected one of github/],
  ])('%s', (_name, login, extra, message) => {
    expect(refused(login, extra)).toThrow(message);
  });

  test('in the config: adminLogin, by the same rules', () => {
    expect(() => defineCluster({ ...fixtureClusterInput, adminLogin: { github: { users: ['octocat'], orgs: ['a', 'b'] } } }, 'config/cluster.ts')).toThrow(/config\/cluster\.ts: .*\n {2}- adminLogin\.github\.orgs: got \["a","b"\], expected at most one org beside users/);
  });
});
