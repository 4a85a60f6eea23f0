/**
 * A status condition as the Kubernetes API conventions define it (metav1.Condition) and the
 * controllers the apply reads write it: Jobs, cert-manager, External Secrets, CloudNativePG.
 * `observedGeneration` says which spec the condition judged.
 */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}
