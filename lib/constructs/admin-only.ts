import { Construct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';
import { CLOUDFLARE_RANGES } from '../cloudflare';
import type { ClusterConfig } from '../config';

export interface AdminOnlyProps {
  readonly cluster: ClusterConfig;
  /** The Ingress's namespace: Traefik resolves `<namespace>-<name>@kubernetescrd` without cross-namespace references. */
  readonly namespace: string;
}

/**
 * A Traefik ipAllowList that admits only the admin CIDRs (config `adminCidrs`), for UIs that must
 * not be public: an app's `private: true`, Uptime Kuma's admin UI and setup wizard. Behind
 * Cloudflare and the load balancer's PROXY protocol the connection comes from a Cloudflare edge,
 * so the client is the right-most X-Forwarded-For address that is not Cloudflare's
 * (docs/client-ip.md); anyone else gets 403 before the request reaches the pod.
 */
export class AdminOnly extends Construct {
  static readonly NAME = 'admin-only';
  /** The value of the Ingress annotation `traefik.ingress.kubernetes.io/router.middlewares`. */
  readonly reference: string;

  constructor(scope: Construct, id: string, props: AdminOnlyProps) {
    super(scope, id);
    this.reference = `${props.namespace}-${AdminOnly.NAME}@kubernetescrd`;
    new Middleware(this, 'Resource', {
      metadata: { name: AdminOnly.NAME, namespace: props.namespace },
      spec: {
        ipAllowList: {
          sourceRange: [...props.cluster.adminCidrs],
          ipStrategy: { excludedIPs: [...CLOUDFLARE_RANGES] },
        },
      },
    });
  }
}
