/*
 * Every Helm chart the platform installs, pinned to an exact version in this one place.
 * Renovate reads the `// renovate:` comment above each version (see renovate.json) and opens a PR
 * that changes one line here; `npm run synth` then shows the rendered change in the PR diff.
 */

export interface PinnedChart {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  /** The chart's values.schema.json at this version; `npm run import` saves it for the tests. */
  readonly valuesSchema?: string;
}

export const CHARTS = {
  traefik: {
    repo: 'https://traefik.github.io/charts',
    chart: 'traefik',
    // renovate: datasource=helm depName=traefik registryUrl=https://traefik.github.io/charts
    version: '41.4.0',
    valuesSchema: 'https://raw.githubusercontent.com/traefik/traefik-helm-chart/v41.4.0/traefik/values.schema.json',
  },
  certManager: {
    repo: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    // renovate: datasource=helm depName=cert-manager registryUrl=https://charts.jetstack.io
    version: 'v1.21.2',
    valuesSchema: 'https://raw.githubusercontent.com/cert-manager/cert-manager/v1.21.2/deploy/charts/cert-manager/values.schema.json',
  },
  externalSecrets: {
    repo: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    // renovate: datasource=helm depName=external-secrets registryUrl=https://charts.external-secrets.io
    version: '2.10.0',
    valuesSchema: 'https://raw.githubusercontent.com/external-secrets/external-secrets/v2.10.0/deploy/charts/external-secrets/values.schema.json',
  },
  clusterAutoscaler: {
    repo: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    // renovate: datasource=helm depName=cluster-autoscaler registryUrl=https://kubernetes.github.io/autoscaler
    version: '9.59.0',
  },
  k8sMonitoring: {
    repo: 'https://grafana.github.io/helm-charts',
    chart: 'k8s-monitoring',
    // renovate: datasource=helm depName=k8s-monitoring registryUrl=https://grafana.github.io/helm-charts
    version: '3.8.6',
  },
  uptimeKuma: {
    repo: 'https://helm.irsigler.cloud',
    chart: 'uptime-kuma',
    // renovate: datasource=helm depName=uptime-kuma registryUrl=https://helm.irsigler.cloud
    version: '4.1.0',
  },
  reloader: {
    repo: 'https://stakater.github.io/stakater-charts',
    chart: 'reloader',
    // renovate: datasource=helm depName=reloader registryUrl=https://stakater.github.io/stakater-charts
    version: '2.2.17',
  },
} as const satisfies Record<string, PinnedChart>;
