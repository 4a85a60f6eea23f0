import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-32';

export interface HttpsIngressProps {
  readonly name: string;
  readonly namespace: string;
  /** Fully qualified hosts, from lib/hosts.ts or an app spec (never typed twice). */
  readonly hosts: readonly string[];
  /** Path prefix -> Service in the same namespace. */
  readonly routes: readonly { path: string; service: string; port: number }[];
  /** Traefik middlewares in front of every route (`<namespace>-<name>@kubernetescrd`), e.g. AdminOnly. */
  readonly middlewares?: readonly string[];
}

/**
 * An Ingress served by Traefik on the websecure entry point only. TLS lists the hosts without a
 * secret, so Traefik serves its default certificate: the wildcard that cert-manager keeps fresh.
 */
export class HttpsIngress extends Construct {
  constructor(scope: Construct, id: string, props: HttpsIngressProps) {
    super(scope, id);
    const paths = props.routes.map((r) => ({
      path: r.path,
      pathType: 'Prefix',
      backend: { service: { name: r.service, port: { number: r.port } } },
    }));
    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        annotations: {
          'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
          'traefik.ingress.kubernetes.io/router.tls': 'true',
          ...(props.middlewares?.length ? { 'traefik.ingress.kubernetes.io/router.middlewares': props.middlewares.join(',') } : {}),
        },
      },
      spec: {
        ingressClassName: 'traefik',
        tls: [{ hosts: [...props.hosts] }],
        rules: props.hosts.map((host) => ({ host, http: { paths } })),
      },
    });
  }
}
