/** Container resources as Helm charts and Kubernetes expect them. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** Requests and limits in one call, so no chart forgets either. */
export function resources(cpu: string, memory: string, limits: { cpu?: string; memory: string }): Resources {
  return { requests: { cpu, memory }, limits };
}
