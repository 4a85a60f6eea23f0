import { createHash } from 'node:crypto';
import type { Phase } from '../render';

/*
 * ApplySet parents: kubectl's default parent is a Secret, which is namespaced, and a namespaced
 * parent only works with `-n <ns>`, which makes kubectl reject every object of another namespace.
 * Our phases span many namespaces (and cluster-scoped objects), so each phase's parent is a
 * cluster-scoped custom resource `ApplySet.hobby-infra.dev` named `hobby-infra-<phase>`, whose CRD
 * carries the `applyset.kubernetes.io/is-parent-type: "true"` label kubectl requires. The CRD is
 * applied first (outside every ApplySet, so nothing ever prunes it). kubectl refuses to create a
 * custom-resource parent, so the apply creates each one once, with `kubectl create`, carrying the
 * id label and the tooling and contains-group-kinds annotations kubectl checks; from then on only
 * kubectl writes them (re-creating or re-applying them would reset contains-group-kinds, and a
 * reset parent silently stops pruning).
 */

export const FIELD_MANAGER = 'hobby-infra';
/** The field manager kubectl updates ApplySet parents with (`<tooling>-applyset`). */
export const APPLYSET_FIELD_MANAGER = 'kubectl-applyset';
export const APPLYSET_GROUP = 'hobby-infra.dev';
export const APPLYSET_KIND = 'ApplySet';
export const APPLYSET_CRD = `applysets.${APPLYSET_GROUP}`;

export const applySetName = (phase: Phase) => `hobby-infra-${phase}`;
export const applySetParentRef = (phase: Phase) => `applysets.${APPLYSET_GROUP}/${applySetName(phase)}`;

/**
 * The `applyset.kubernetes.io/part-of` label value kubectl puts on every member of an ApplySet:
 * `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1` (KEP-3659).
 */
export function computeApplySetId(name: string, namespace: string, kind: string, group: string): string {
  return `applyset-${createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url')}-v1`;
}

export const applySetId = (phase: Phase) => computeApplySetId(applySetName(phase), '', APPLYSET_KIND, APPLYSET_GROUP);

/**
 * A parent as kubectl expects to find it: the id label, its tooling (kubectl checks the name part
 * only, and rewrites the annotation with its own version on the first apply) and an empty set of
 * group-kinds, which kubectl fills in as it applies.
 */
export function applySetParent(phase: Phase): Record<string, unknown> {
  return {
    apiVersion: `${APPLYSET_GROUP}/v1`,
    kind: APPLYSET_KIND,
    metadata: {
      name: applySetName(phase),
      labels: { 'applyset.kubernetes.io/id': applySetId(phase) },
      annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1', 'applyset.kubernetes.io/contains-group-kinds': '' },
    },
  };
}

export function applySetParentCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: APPLYSET_CRD,
      labels: { 'applyset.kubernetes.io/is-parent-type': 'true', 'app.kubernetes.io/managed-by': FIELD_MANAGER },
    },
    spec: {
      group: APPLYSET_GROUP,
      scope: 'Cluster',
      names: { kind: APPLYSET_KIND, listKind: `${APPLYSET_KIND}List`, plural: 'applysets', singular: 'applyset' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}
