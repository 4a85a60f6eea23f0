import { Construct } from 'constructs';
import { Alias, isCollection, visit } from 'yaml';
import { HelmChart } from '../../imports/helmcharts-helm.cattle.io';
import type { PinnedChart } from '../../config/versions';
import { writeYamlDocument, yamlDocument } from '../yaml';

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
  /**
   * Deployments (in the target namespace) that serve the chart's admission webhooks for those CRDs:
   * the apply waits for them to be Available before it sends the first object of those groups.
   */
  readonly webhookDeployments?: readonly string[];
  /**
   * The workloads the chart runs in the target namespace, as `deployment/name`, `daemonset/name`,
   * `statefulset/name` (the names helm renders for this release): after the HelmCharts are applied,
   * the apply's health check waits for each to be rolled out, and names the one that is not.
   */
  readonly workloads?: readonly string[];
  /**
   * Names for values used more than once (the same object in `values`): written once as a YAML
   * anchor (`&cloudflare`) and referred to by alias (`*cloudflare`) instead of repeated.
   */
  readonly anchors?: Readonly<Record<string, object>>;
  /** Labels of the HelmChart itself (AFTER_RECOVERY_LABEL moves it to phase 05 in recover mode). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Values as YAML in the order they were written. An object used in several places is written once
 * and aliased (Helm reads anchors and aliases like any YAML), under the name `anchors` gives it.
 */
export function valuesYaml(values: Record<string, unknown>, anchors: Readonly<Record<string, object>> = {}): string {
  const doc = yamlDocument(values, { aliasDuplicateObjects: true });
  const renamed = new Map<string, string>();
  const named = Object.entries(anchors).map(([name, value]) => [name, JSON.stringify(value)] as const);
  visit(doc, (_key, node) => {
    if (!isCollection(node) || !node.anchor) return;
    const json = JSON.stringify(node.toJSON());
    const name = named.find(([, value]) => value === json)?.[0];
    if (name) renamed.set(node.anchor, name), (node.anchor = name);
  });
  visit(doc, { Alias: (_key, node: Alias) => void (node.source = renamed.get(node.source) ?? node.source) });
  return writeYamlDocument(doc);
}

/** HelmChart annotation: comma-separated API groups whose CRDs the chart installs. */
export const CRD_GROUPS_ANNOTATION = 'hobby-infra.dev/crd-groups';
/** HelmChart annotation: comma-separated Deployments that serve the chart's admission webhooks. */
export const WEBHOOK_DEPLOYMENTS_ANNOTATION = 'hobby-infra.dev/webhook-deployments';
/** HelmChart annotation: comma-separated `kind/name` of the workloads the chart runs. */
export const WORKLOADS_ANNOTATION = 'hobby-infra.dev/workloads';

type Annotated = { metadata: { [key: string]: unknown } };
const listAnnotation = (o: Annotated, key: string) => (((o.metadata.annotations as Record<string, string> | undefined) ?? {})[key] ?? '').split(',').filter(Boolean);

/** The API groups a rendered (or live) HelmChart says its CRDs serve. */
export const crdGroupsOf = (chart: Annotated): string[] => listAnnotation(chart, CRD_GROUPS_ANNOTATION);

/** The Deployments a rendered (or live) HelmChart says serve its admission webhooks. */
export const webhookDeploymentsOf = (chart: Annotated): string[] => listAnnotation(chart, WEBHOOK_DEPLOYMENTS_ANNOTATION);

/** The workloads (`deployment/name`, …) a rendered (or live) HelmChart says it runs, its webhook Deployments included. */
export const workloadsOf = (chart: Annotated): string[] =>
  [...new Set([...listAnnotation(chart, WORKLOADS_ANNOTATION), ...webhookDeploymentsOf(chart).map((d) => `deployment/${d}`)])].sort();

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
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.crdGroups?.length || props.webhookDeployments?.length || props.workloads?.length
          ? {
              annotations: {
                ...(props.crdGroups?.length ? { [CRD_GROUPS_ANNOTATION]: [...props.crdGroups].sort().join(',') } : {}),
                ...(props.webhookDeployments?.length ? { [WEBHOOK_DEPLOYMENTS_ANNOTATION]: [...props.webhookDeployments].sort().join(',') } : {}),
                ...(props.workloads?.length ? { [WORKLOADS_ANNOTATION]: [...props.workloads].sort().join(',') } : {}),
              },
            }
          : {}),
      },
      spec: {
        repo: props.chart.repo,
        chart: props.chart.chart,
        version: props.chart.version,
        targetNamespace: props.targetNamespace,
        createNamespace: false,
        valuesContent: valuesYaml(props.values, props.anchors),
      },
    });
  }
}
