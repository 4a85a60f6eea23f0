import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-32';

/** The annotation that shows why a namespace runs below Pod Security `restricted` (bounded in lib/spec/bounds.ts). */
export const POD_SECURITY_REASON = 'hobby-infra.dev/pod-security-reason';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface PlatformNamespaceProps {
  /** Pod Security Admission level enforced in the namespace. Anything below restricted needs a reason. */
  readonly podSecurity: PodSecurityLevel;
  /** Why the namespace cannot be `restricted`; rendered as an annotation so reviewers see it. */
  readonly reason?: string;
  readonly labels?: Record<string, string>;
}

/** A Namespace with Pod Security Admission enforced (and audited/warned at `restricted`). */
export class PlatformNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, name: string, props: PlatformNamespaceProps) {
    super(scope, `${name}-namespace`);
    if (props.podSecurity !== 'restricted' && !props.reason) {
      throw new Error(`namespace ${name}: podSecurity ${props.podSecurity} needs a reason`);
    }
    this.name = name;
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': props.podSecurity,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
          ...props.labels,
        },
        annotations: props.reason ? { [POD_SECURITY_REASON]: props.reason } : undefined,
      },
    });
  }
}
