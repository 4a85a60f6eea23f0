import { k8s } from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import { IMAGES, imageRef } from '../../config/versions';
import { RELOAD_ON_SECRET, SIGN_IN } from '../platform-contracts';
import type { Labels } from './platform-network';
import { resources } from './resources';

export interface SignInProxyProps {
  readonly namespace: string;
  /** The Deployment's and Service's name (`app.kubernetes.io/name` of its pods). */
  readonly name: string;
  /** oauth2-proxy's flags (charts/sign-in.ts). */
  readonly args: readonly string[];
  /** The Secret its client id, client secret and cookie key come from, as environment variables. */
  readonly secretName: string;
}

/** The image's user (distroless `nonroot`). */
const NONROOT = 65532;

/**
 * One oauth2-proxy: a Deployment under restricted Pod Security (non-root, read-only root, no
 * capabilities, no ServiceAccount token, limits) and its Service on SIGN_IN.port. It restarts when
 * its Secret changes (Reloader), and a new pod is ready before the old one goes, since every app
 * whose login it keeps waits on it.
 */
export class SignInProxy extends Construct {
  /** What its Service and its NetworkPolicy select. */
  readonly pods: Labels;

  constructor(scope: Construct, id: string, props: SignInProxyProps) {
    super(scope, id);
    const { namespace, name } = props;
    this.pods = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': SIGN_IN.namespace };
    const r = resources('10m', '32Mi', { memory: '128Mi' });
    const probe = (periodSeconds: number) => ({ httpGet: { path: '/ping', port: k8s.IntOrString.fromNumber(SIGN_IN.port) }, periodSeconds });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name, namespace, labels: this.pods, annotations: { [RELOAD_ON_SECRET]: props.secretName } },
      spec: {
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: this.pods },
        template: {
          metadata: { labels: this.pods },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: NONROOT, runAsGroup: NONROOT, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'oauth2-proxy',
                image: imageRef(IMAGES.oauth2Proxy),
                args: [...props.args],
                envFrom: [{ secretRef: { name: props.secretName } }],
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
      metadata: { name, namespace, labels: this.pods },
      spec: { selector: this.pods, ports: [{ name: 'http', port: SIGN_IN.port, targetPort: k8s.IntOrString.fromNumber(SIGN_IN.port) }] },
    });
  }
}
