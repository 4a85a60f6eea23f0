import { Construct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { SIGN_IN } from '../platform-contracts';
import type { LoginSpec } from '../spec/login';

export interface LoginGateProps {
  /** The Ingress's namespace: Traefik resolves `<namespace>-<name>@kubernetescrd` without cross-namespace references. */
  readonly namespace: string;
  readonly login: LoginSpec;
}

/**
 * The sign-in that keeps a login: the shared one (SIGN_IN.service) when it lists orgs and teams
 * only, else the login's own, named after the namespace it guards (charts/sign-in.ts renders one
 * for each; lib/spec/login.ts says why users need their own).
 */
export function signInService(namespace: string, login: LoginSpec): string {
  return login.users.length ? `${SIGN_IN.service}-${namespace}` : SIGN_IN.service;
}

/**
 * Where a login's ForwardAuth asks: oauth2-proxy's proxy endpoint, the shared sign-in with the
 * groups that may pass, or the login's own sign-in, which let only the login's people sign in.
 */
export function signInAddress(namespace: string, login: LoginSpec): string {
  const service = `http://${signInService(namespace, login)}.${SIGN_IN.namespace}.svc.cluster.local:${SIGN_IN.port}/`;
  // Groups are GitHub logins and team slugs (letters, digits, `-`, `_`, `:`): nothing to escape.
  return login.users.length ? service : `${service}?allowed_groups=${login.groups.join(',')}`;
}

/**
 * A Traefik ForwardAuth middleware in front of an Ingress: every request is first asked of the
 * sign-in at the edge (charts/sign-in.ts), the shared one or the login's own. oauth2-proxy answers a request without a session with a
 * redirect to GitHub (Traefik passes it, and its CSRF cookie, to the browser), one whose user is in
 * none of `allowed_groups` with 403, and a signed-in member with 202 and the user's GitHub login and
 * email in X-Auth-Request-User and X-Auth-Request-Email. Traefik then removes those headers, and any
 * alias of them (`X.Auth.Request.User`), from the client's request and sets them from oauth2-proxy's
 * answer only, so the app can trust them: its NetworkPolicy admits only Traefik. Traefik sets the X-Forwarded-* headers oauth2-proxy reads
 * (where to return after sign-in) from the request it received (its default; the entry point
 * trusts X-Forwarded-* from Cloudflare only, docs/client-ip.md), never from what the client sent.
 */
export class LoginGate extends Construct {
  static readonly NAME = 'login';
  /** The value of the Ingress annotation `traefik.ingress.kubernetes.io/router.middlewares`. */
  readonly reference: string;

  constructor(scope: Construct, id: string, props: LoginGateProps) {
    super(scope, id);
    this.reference = `${props.namespace}-${LoginGate.NAME}@kubernetescrd`;
    new Middleware(this, 'Resource', {
      metadata: { name: LoginGate.NAME, namespace: props.namespace },
      spec: {
        forwardAuth: {
          address: signInAddress(props.namespace, props.login),
          authResponseHeaders: [...SIGN_IN.userHeaders],
          authResponseHeadersRegex: SIGN_IN.userHeadersRegex,
        },
      },
    });
  }
}
