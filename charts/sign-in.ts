import { createHash } from 'node:crypto';
import type { App } from 'cdk8s';
import type { ClusterConfig } from '../lib/config';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { HttpsIngress } from '../lib/constructs/ingress';
import { signInService } from '../lib/constructs/login';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { APP_NAMESPACE_LABEL, fromPods, PlatformNetwork, tcp, toInternet } from '../lib/constructs/platform-network';
import { SignInProxy } from '../lib/constructs/sign-in-proxy';
import { authHost } from '../lib/hosts';
import { SIGN_IN, TRAEFIK_NAMESPACE } from '../lib/platform-contracts';
import { PlatformChart } from '../lib/render';
import type { LoginSpec } from '../lib/spec/login';

/** Every sign-in's pods (the shared one and each login's own): what Traefik may reach. */
export const SIGN_IN_PODS = { 'app.kubernetes.io/part-of': SIGN_IN.namespace } as const;

/**
 * The Secret oauth2-proxy reads its GitHub OAuth app and cookie key from (environment variables it
 * reads as flags), filled from Infisical's /platform/sign-in (docs/setup.md, "Sign-in").
 */
export const SIGN_IN_SECRET = {
  name: 'oauth2-proxy',
  keys: {
    OAUTH2_PROXY_CLIENT_ID: 'GITHUB_OAUTH_CLIENT_ID',
    OAUTH2_PROXY_CLIENT_SECRET: 'GITHUB_OAUTH_CLIENT_SECRET',
    OAUTH2_PROXY_COOKIE_SECRET: 'COOKIE_SECRET',
  },
} as const;

/**
 * oauth2-proxy's flags: GitHub sign-in for every host of the cluster domain, in forward-auth mode.
 *  - `upstream=static://202`: it proxies nothing; Traefik asks it about each request (a login's
 *    ForwardAuth, lib/constructs/login.ts) and gets 202 with the user's headers, 403 for a user in
 *    none of the request's `allowed_groups`, or a redirect to GitHub without a session;
 *  - `reverse-proxy`: where to return after sign-in comes from Traefik's X-Forwarded-Host and
 *    -Uri (only Traefik reaches it), and only to hosts of the cluster domain (`whitelist-domain`);
 *  - the session cookie is scoped to the cluster domain, so one sign-in serves every app;
 *  - GitHub's callback is auth.<domain> (the one URL the GitHub OAuth app knows);
 *  - `email-domain=*`: who may pass is each app's groups, not the email;
 *  - no sign-in button page: straight to GitHub.
 * The client id and secret and the cookie key come from the environment (SIGN_IN_SECRET).
 */
export function signInArgs(cluster: ClusterConfig): string[] {
  return [
    '--provider=github',
    `--http-address=0.0.0.0:${SIGN_IN.port}`,
    '--reverse-proxy=true',
    '--upstream=static://202',
    `--redirect-url=https://${authHost(cluster)}/oauth2/callback`,
    `--cookie-domain=.${cluster.domain}`,
    `--whitelist-domain=.${cluster.domain}`,
    '--cookie-secure=true',
    '--cookie-samesite=lax',
    '--cookie-expire=168h',
    '--email-domain=*',
    '--skip-provider-button=true',
    '--set-xauthrequest=true',
    '--silence-ping-logging=true',
  ];
}

/** Where a login's own sign-in lives at auth.<domain>: below the shared callback, so wildcard matching on that one callback URL can cover every sign-in (docs/private-uis.md). */
export const ownSignInPrefix = (namespace: string) => `/oauth2/callback/${namespace}`;

/**
 * The flags of a login's own sign-in (one that lists users, lib/spec/login.ts): the shared flags,
 * and
 *  - its own session cookie, so no other sign-in's session counts here (oauth2-proxy signs a
 *    cookie's value with its name); the name carries a digest of who may sign in, so a session
 *    made before the list changed counts no more (the list is checked only at sign-in), and its
 *    `_own_` part keeps it apart from every other cookie oauth2-proxy names (`_oauth2_proxy_csrf`);
 *  - its endpoints under `/oauth2/callback/<namespace>` at auth.<domain>, its callback URL
 *    `<that>/callback`: the GitHub OAuth app lists it, or takes it below the shared callback URL
 *    with wildcard matching on (docs/private-uis.md);
 *  - who may sign in at all: the users (`--github-user`), or else members of the login's one org
 *    (`--github-org`), or of its teams (that org's slugs in `--github-team`, which oauth2-proxy
 *    checks only beside `--github-org`); anyone else is refused at the callback.
 */
export function ownSignInArgs(cluster: ClusterConfig, namespace: string, login: LoginSpec): string[] {
  const prefix = ownSignInPrefix(namespace);
  const orgs = login.groups.filter((g) => !g.includes(':'));
  const teams = login.groups.filter((g) => g.includes(':')).map((g) => g.split(':') as [string, string]);
  const digest = createHash('sha256').update(JSON.stringify([login.users, login.groups])).digest('hex').slice(0, 8);
  return [
    ...signInArgs(cluster).map((a) => (a.startsWith('--redirect-url=') ? `--redirect-url=https://${authHost(cluster)}${prefix}/callback` : a)),
    `--proxy-prefix=${prefix}`,
    `--cookie-name=_oauth2_proxy_own_${namespace}_${digest}`,
    `--github-user=${login.users.join(',')}`,
    ...(orgs.length ? [`--github-org=${orgs[0]}`] : teams.length ? [`--github-org=${teams[0]![0]}`, `--github-team=${teams.map(([, slug]) => slug).join(',')}`] : []),
  ];
}

/** A login on the Ingresses of `namespace`: charts/sign-in.ts gives each that lists users its own sign-in. */
export interface NamespaceLogin {
  readonly namespace: string;
  readonly login: LoginSpec;
}

/**
 * The sign-in at the edge: oauth2-proxy with GitHub as the identity provider, at auth.<domain>.
 * Chosen over other forward-auth servers because it is one small static Go binary in a distroless
 * image, kept by an active project, that knows GitHub's organisations and teams and checks them per
 * request (docs/private-uis.md). Rendered here, not from a chart, so its flags are reviewed in
 * dist/ and test/cluster/sign-in.test.ts runs the real binary with exactly these. One shared
 * sign-in serves every login of orgs and teams; each login that lists users gets its own.
 */
export class SignInChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig, logins: readonly NamespaceLogin[] = []) {
    super(scope, 'sign-in');
    // The apps' namespace label, as restore-drills carries it: its workload is dist/'s own Deployment,
    // as an app's is, not a chart's, and its pods run with no ServiceAccount token. The deploy
    // identity's admission policy keeps what makes pods out of the charts' namespaces only
    // (lib/delivery/policy-inputs.ts), so a Tailscale or monitoring namespace stays closed to them.
    // Doors that open onto the apps' namespaces (Traefik's, CloudNativePG's) meet this namespace's
    // own policy, which admits Traefik on the sign-in's port only.
    const namespace = new PlatformNamespace(this, SIGN_IN.namespace, { podSecurity: 'restricted', labels: { [APP_NAMESPACE_LABEL]: SIGN_IN.namespace } }).name;
    new InfisicalSecretStore(this, 'store', { cluster, namespace, secretsPath: '/platform/sign-in' });
    new InfisicalSecret(this, 'secret', { cluster, namespace, secretName: SIGN_IN_SECRET.name, keys: { ...SIGN_IN_SECRET.keys } });

    const own = logins.filter((l) => l.login.users.length).sort((a, b) => a.namespace.localeCompare(b.namespace));
    const proxies = [
      { id: 'shared', name: SIGN_IN.service, args: signInArgs(cluster) },
      ...own.map(({ namespace: guarded, login }) => ({ id: `own:${guarded}`, name: signInService(guarded, login), args: ownSignInArgs(cluster, guarded, login) })),
    ].map((p) => ({ name: p.name, pods: new SignInProxy(this, p.id, { namespace, name: p.name, args: p.args, secretName: SIGN_IN_SECRET.name }).pods }));
    // GitHub's callback, the sign-out page (/oauth2/sign_out) and a sign-in started by hand; each own
    // sign-in's under its prefix.
    new HttpsIngress(this, 'ingress', {
      name: SIGN_IN.service,
      namespace,
      hosts: [authHost(cluster)],
      routes: [
        { path: '/oauth2', service: SIGN_IN.service, port: SIGN_IN.port },
        ...own.map(({ namespace: guarded, login }) => ({ path: ownSignInPrefix(guarded), service: signInService(guarded, login), port: SIGN_IN.port })),
      ],
    });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: Object.fromEntries(
        proxies.map(({ name, pods }) => [
          name,
          {
            pods,
            doors: [
              fromPods({ namespace: TRAEFIK_NAMESPACE }, tcp(SIGN_IN.port), "Traefik asks it about every request to a login's hosts (ForwardAuth) and routes auth.<domain>/oauth2 to it"),
              toInternet(tcp(443), "GitHub: redeems the sign-in's code (github.com) and reads the user, their email, orgs and teams (api.github.com)"),
            ],
          },
        ]),
      ),
    });
  }
}
