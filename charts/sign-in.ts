import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-32';
import { IMAGES, imageRef } from '../config/versions';
import type { ClusterConfig } from '../lib/config';
import { InfisicalSecret, InfisicalSecretStore } from '../lib/constructs/infisical';
import { HttpsIngress } from '../lib/constructs/ingress';
import { PlatformNamespace } from '../lib/constructs/namespace';
import { APP_NAMESPACE_LABEL, fromPods, PlatformNetwork, tcp, toInternet } from '../lib/constructs/platform-network';
import { resources } from '../lib/constructs/resources';
import { authHost } from '../lib/hosts';
import { RELOAD_ON_SECRET, SIGN_IN, TRAEFIK_NAMESPACE } from '../lib/platform-contracts';
import { PlatformChart } from '../lib/render';

/** The pods' labels: what the Service and the NetworkPolicy select. */
export const SIGN_IN_PODS = { 'app.kubernetes.io/name': SIGN_IN.service, 'app.kubernetes.io/part-of': SIGN_IN.namespace } as const;

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

/** The image's user (distroless `nonroot`). */
const NONROOT = 65532;

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

/**
 * The sign-in at the edge: oauth2-proxy with GitHub as the identity provider, at auth.<domain>.
 * Chosen over other forward-auth servers because it is one small static Go binary in a distroless
 * image, kept by an active project, that knows GitHub's organisations and teams and checks them per
 * request (docs/private-uis.md). Rendered here, not from a chart, so its flags are reviewed in
 * dist/ and test/cluster/sign-in.test.ts runs the real binary with exactly these.
 */
export class SignInChart extends PlatformChart {
  constructor(scope: App, cluster: ClusterConfig) {
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

    const r = resources('10m', '32Mi', { memory: '128Mi' });
    const probe = (periodSeconds: number) => ({ httpGet: { path: '/ping', port: k8s.IntOrString.fromNumber(SIGN_IN.port) }, periodSeconds });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: SIGN_IN.service, namespace, labels: SIGN_IN_PODS, annotations: { [RELOAD_ON_SECRET]: SIGN_IN_SECRET.name } },
      spec: {
        // Every app with a login waits on it: a new pod is ready before the old one goes.
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: SIGN_IN_PODS },
        template: {
          metadata: { labels: SIGN_IN_PODS },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: NONROOT, runAsGroup: NONROOT, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'oauth2-proxy',
                image: imageRef(IMAGES.oauth2Proxy),
                args: signInArgs(cluster),
                envFrom: [{ secretRef: { name: SIGN_IN_SECRET.name } }],
                ports: [{ name: 'http', containerPort: SIGN_IN.port }],
                readinessProbe: probe(10),
                livenessProbe: probe(20),
                resources: {
                  requests: { cpu: k8s.Quantity.fromString(r.requests.cpu), memory: k8s.Quantity.fromString(r.requests.memory) },
                  limits: { memory: k8s.Quantity.fromString(r.limits.memory) },
                },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name: SIGN_IN.service, namespace, labels: SIGN_IN_PODS },
      spec: { selector: SIGN_IN_PODS, ports: [{ name: 'http', port: SIGN_IN.port, targetPort: k8s.IntOrString.fromNumber(SIGN_IN.port) }] },
    });
    // GitHub's callback, the sign-out page (/oauth2/sign_out) and a sign-in started by hand.
    new HttpsIngress(this, 'ingress', {
      name: SIGN_IN.service,
      namespace,
      hosts: [authHost(cluster)],
      routes: [{ path: '/oauth2', service: SIGN_IN.service, port: SIGN_IN.port }],
    });
    new PlatformNetwork(this, 'network', {
      cluster,
      namespace,
      components: {
        [SIGN_IN.service]: {
          pods: SIGN_IN_PODS,
          doors: [
            fromPods({ namespace: TRAEFIK_NAMESPACE }, tcp(SIGN_IN.port), "Traefik asks it about every request to a login's hosts (ForwardAuth) and routes auth.<domain>/oauth2 to it"),
            toInternet(tcp(443), "GitHub: redeems the sign-in's code (github.com) and reads the user, their email, orgs and teams (api.github.com)"),
          ],
        },
      },
    });
  }
}
