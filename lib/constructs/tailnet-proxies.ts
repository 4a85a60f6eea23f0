import { Construct } from 'constructs';
import {
  ProxyClass,
  ProxyClassSpecStatefulSetPodTailscaleContainerResourcesLimits as Limit,
  ProxyClassSpecStatefulSetPodTailscaleContainerResourcesRequests as Request,
} from '../../imports/proxyclasses-tailscale.com';
import { TAILNET_INGRESS } from '../platform-contracts';
import { APP_NAMESPACE_LABEL, toApiServer, toInternet, toPods, tcp, udp, type PlatformComponent } from './platform-network';

/*
 * What the Tailscale operator needs to serve tailnet-only apps (charts/tailscale.ts renders it only
 * when an app declares `tailnet`): the ProxyClass their Ingresses name, and the NetworkPolicy
 * component of the proxy pods it starts in its namespace.
 *
 * For an Ingress the operator runs its userspace proxy (TS_USERSPACE=true: no privileged init
 * container, no NET_ADMIN; cmd/k8s-operator/deploy/manifests/userspace-proxy.yaml), but leaves the
 * pod without a security context, as root: the `tailscale` namespace's restricted Pod Security would
 * refuse it. The ProxyClass gives it a non-root user, RuntimeDefault seccomp, no privilege escalation
 * and no capability, and bounds its memory. Its state (keys, certificate) is in a Secret of the
 * namespace, not on disk.
 */

/** The proxies' user: the operator's own non-root user (charts/tailscale.ts). */
const PROXY_USER = 65532;

export class TailnetProxyClass extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ProxyClass(this, 'Resource', {
      metadata: { name: TAILNET_INGRESS.proxyClass },
      spec: {
        statefulSet: {
          pod: {
            securityContext: { runAsNonRoot: true, runAsUser: PROXY_USER, runAsGroup: PROXY_USER, seccompProfile: { type: 'RuntimeDefault' } },
            tailscaleContainer: {
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: Request.fromString('10m'), memory: Request.fromString('32Mi') }, limits: { memory: Limit.fromString('128Mi') } },
            },
          },
        },
      },
    });
  }
}

/** The proxy pods' doors (a component of the `tailscale` namespace's PlatformNetwork). */
export const TAILNET_PROXIES: PlatformComponent = {
  pods: TAILNET_INGRESS.proxyLabels,
  doors: [
    toApiServer('keeps its tailnet state (node key, certificate) in its Secret, and reads the serve config the operator writes'),
    toInternet(tcp(443), 'reaches the Tailscale control plane, DERP relays and (through Tailscale) Let\'s Encrypt for its HTTPS certificate'),
    toInternet(udp(3478), 'STUN: finds its public address for direct connections'),
    toInternet(udp(41641), 'direct WireGuard connections to peers (others go through a DERP relay on 443)'),
    // Any port: each tailnet-only app's own policy admits only the proxy of its Ingress, to its web ports.
    toPods({ namespacesLabelled: APP_NAMESPACE_LABEL }, 'any', 'proxies requests from the tailnet to the web components of the app whose Ingress it serves'),
  ],
};
