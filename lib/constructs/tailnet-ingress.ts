import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-32';
import { TAILNET_INGRESS } from '../platform-contracts';

export interface TailnetIngressProps {
  readonly name: string;
  readonly namespace: string;
  /** The device's MagicDNS machine name: the app is at https://<machine>.<tailnet>. */
  readonly machine: string;
  /** Path prefix -> Service in the same namespace; `/` becomes the default backend. */
  readonly routes: readonly { path: string; service: string; port: number }[];
}

/**
 * An Ingress of the Tailscale operator's class (charts/tailscale.ts turns the class on when an app
 * uses it): the operator starts one proxy pod for it in its namespace, which joins the tailnet as
 * `tls.hosts[0]` (its first label is the machine name) and serves HTTPS on 443 with a certificate
 * for <machine>.<tailnet>, proxying to the backend Services. No public host: Traefik, Cloudflare and
 * the wildcard certificate never see it. The ProxyClass label gives the proxy pod a restricted
 * security context; the app's NetworkPolicy admits that pod only (lib/constructs/app-network.ts).
 */
export class TailnetIngress extends Construct {
  constructor(scope: Construct, id: string, props: TailnetIngressProps) {
    super(scope, id);
    const backend = (r: TailnetIngressProps['routes'][number]) => ({ service: { name: r.service, port: { number: r.port } } });
    const root = props.routes.find((r) => r.path === '/');
    const others = props.routes.filter((r) => r !== root);
    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { [TAILNET_INGRESS.proxyClassLabel]: TAILNET_INGRESS.proxyClass },
      },
      spec: {
        ingressClassName: TAILNET_INGRESS.className,
        ...(root ? { defaultBackend: backend(root) } : {}),
        // Hostless rules: the operator serves every path of them on its one device (a rule's host would have to equal tls.hosts[0]).
        ...(others.length ? { rules: [{ http: { paths: others.map((r) => ({ path: r.path, pathType: 'Prefix', backend: backend(r) })) } }] } : {}),
        tls: [{ hosts: [props.machine] }],
      },
    });
  }
}
