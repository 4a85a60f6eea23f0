import { Construct } from 'constructs';
import { Middleware } from '../../imports/middlewares-traefik.io';

/*
 * The largest request body an app accepts, enforced by Traefik before the request reaches the pod
 * (413 above it): a Buffering middleware in the app's namespace, on its Ingress. Bodies up to
 * BODY_IN_MEMORY are held in memory, larger ones in Traefik's /tmp until they are complete.
 */

const BODY_IN_MEMORY = 1048576;

export class HttpLimits extends Construct {
  static readonly NAME = 'http-limits';
  /** The value for the Ingress annotation `traefik.ingress.kubernetes.io/router.middlewares`. */
  readonly reference: string;

  constructor(scope: Construct, id: string, props: { namespace: string; maxBodyBytes: number }) {
    super(scope, id);
    this.reference = `${props.namespace}-${HttpLimits.NAME}@kubernetescrd`;
    new Middleware(this, 'Resource', {
      metadata: { name: HttpLimits.NAME, namespace: props.namespace },
      spec: { buffering: { maxRequestBodyBytes: props.maxBodyBytes, memRequestBodyBytes: Math.min(BODY_IN_MEMORY, props.maxBodyBytes) } },
    });
  }
}
