import { Construct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { SIGN_IN } from '../platform-contracts';
import type { LoginSpec } from '../spec/login';

export interface LoginGateProps {
  /** The Ingress's namespace: Traefik resolves `<namespace>-<name>@kubernetescrd` without cross-namespace references. */
  readonly namespace: string;
  readonly login: LoginSpec;
}

/** Where a login's ForwardAuth asks: oauth2-proxy's proxy endpoint, with the groups that may pass. */
export function signInAddress(login: LoginSpec): string {
  // Groups are GitHub logins and team slugs (letters, digits, `-`, `_`, `:`): nothing to escape.
  return `http://${SIGN_IN.service}.${SIGN_IN.namespace}.svc.cluster.local:${SIGN_IN.port}/?allowed_groups=${login.groups.join(',')}`;
}

/**
 * A Traefik ForwardAuth middleware in front of an Ingress: every request is first asked of the
 * sign-in at the edge (charts/sign-in.ts). oauth2-proxy answers a request without a session with a
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
          address: signInAddress(props.login),
          authResponseHeaders: [...SIGN_IN.userHeaders],
          authResponseHeadersRegex: SIGN_IN.userHeadersRegex,
        },
      },
    });
  }
}
