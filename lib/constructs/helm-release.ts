import { Construct } from 'constructs';
import { HelmChart } from '../../imports/helmcharts-helm.cattle.io';
import type { PinnedChart } from '../../config/versions';
import { toYaml } from '../yaml';

export interface HelmReleaseProps {
  /** Repository, chart and exact version, from config/versions.ts. */
  readonly chart: PinnedChart;
  /** Namespace the release installs into; created (with Pod Security labels) by NamespacesChart. */
  readonly targetNamespace: string;
  /** Chart values. Every release must set explicit resource requests and limits in them. */
  readonly values: Record<string, unknown>;
  /**
   * API groups of the CRDs this chart installs (`cert-manager.io`). Recorded on the HelmChart, so
   * the apply knows which chart serves the custom resources of later phases, and refuses to remove
   * a chart while dist/ still has objects of its groups.
   */
  readonly crdGroups?: readonly string[];
}

/** HelmChart annotation: comma-separated API groups whose CRDs the chart installs. */
export const CRD_GROUPS_ANNOTATION = 'hobby-infra.dev/crd-groups';

/**
 * A Helm release reconciled by k3s' helm-controller: a helm.cattle.io/v1 HelmChart in kube-system
 * (where helm-controller runs its install jobs) with a pinned version and values as YAML.
 */
export class HelmRelease extends Construct {
  readonly resource: HelmChart;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    this.resource = new HelmChart(this, 'Resource', {
      metadata: {
        name: id,
        namespace: 'kube-system',
        ...(props.crdGroups?.length ? { annotations: { [CRD_GROUPS_ANNOTATION]: [...props.crdGroups].sort().join(',') } } : {}),
      },
      spec: {
        repo: props.chart.repo,
        chart: props.chart.chart,
        version: props.chart.version,
        targetNamespace: props.targetNamespace,
        createNamespace: false,
        valuesContent: toYaml(props.values),
      },
    });
  }
}
