/*
 * Every Helm chart the platform installs, pinned to an exact version in this one place.
 * Renovate reads the `// renovate:` comment above each version (see renovate.json) and opens a PR
 * that changes one line here; `npm run synth` then shows the rendered change in the PR diff, and
 * `npm run diff -- --charts <dir>` the objects the chart renders differently.
 *
 * Pins are versions whose values schema and CRDs could be checked (imports/, from the sources in
 * ../shared/reference at those exact tags): traefik 41.3.0, cert-manager v1.21.1, external-secrets
 * 2.9.0, reloader 2.2.16, k8s-monitoring 3.8.6. A Renovate bump past them fails
 * test/chart-values.test.ts until `npm run import` brings the new version's schema.
 */

export interface PinnedChart {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  /**
   * Where the chart's values.schema.json lives, with `{version}` standing for `version`, so the
   * schema follows the version Renovate bumps; `npm run import` saves it for the tests.
   */
  readonly valuesSchema?: string;
  /**
   * For a chart that ships its CRDs in its `crds/` folder, which `helm upgrade` (helm-controller)
   * installs once and never updates: that folder at the pinned version (`{version}` as above; its
   * kustomization.yaml lists the files) and the prefix of the files the platform uses. `npm run
   * import` saves them in imports/chart-crds/<chart>/, and synth renders them into dist/ (phase 01,
   * applied before the chart, so a chart bump's CRD change shows in the diff and is applied; the
   * prune guard never deletes a CRD without --allow-destructive).
   */
  readonly crds?: { readonly folder: string; readonly prefix: string };
}

export const CHARTS = {
  traefik: {
    repo: 'https://traefik.github.io/charts',
    chart: 'traefik',
    // renovate: datasource=helm depName=traefik registryUrl=https://traefik.github.io/charts
    version: '41.3.0',
    valuesSchema: 'https://raw.githubusercontent.com/traefik/traefik-helm-chart/v{version}/traefik/values.schema.json',
    // Traefik Proxy's own CRDs (the Hub ones are not used); upstream deprecated its traefik-crds chart.
    crds: { folder: 'https://raw.githubusercontent.com/traefik/traefik-helm-chart/v{version}/traefik/crds', prefix: 'traefik.io_' },
  },
  certManager: {
    repo: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    // renovate: datasource=helm depName=cert-manager registryUrl=https://charts.jetstack.io
    version: 'v1.21.1',
    valuesSchema: 'https://raw.githubusercontent.com/cert-manager/cert-manager/{version}/deploy/charts/cert-manager/values.schema.json',
  },
  externalSecrets: {
    repo: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    // renovate: datasource=helm depName=external-secrets registryUrl=https://charts.external-secrets.io
    version: '2.9.0',
    // The chart release tag (the app tag vX.Y.Z still carries the previous chart version).
    valuesSchema: 'https://raw.githubusercontent.com/external-secrets/external-secrets/helm-chart-{version}/deploy/charts/external-secrets/values.schema.json',
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
    valuesSchema: 'https://raw.githubusercontent.com/grafana/k8s-monitoring-helm/k8s-monitoring-{version}/charts/k8s-monitoring/values.schema.json',
  },
  uptimeKuma: {
    repo: 'https://helm.irsigler.cloud',
    chart: 'uptime-kuma',
    // renovate: datasource=helm depName=uptime-kuma registryUrl=https://helm.irsigler.cloud
    version: '4.1.0',
  },
  tailscaleOperator: {
    repo: 'https://pkgs.tailscale.com/helmcharts',
    chart: 'tailscale-operator',
    // renovate: datasource=helm depName=tailscale-operator registryUrl=https://pkgs.tailscale.com/helmcharts
    version: '1.102.3',
  },
  reloader: {
    repo: 'https://stakater.github.io/stakater-charts',
    chart: 'reloader',
    // renovate: datasource=helm depName=reloader registryUrl=https://stakater.github.io/stakater-charts
    version: '2.2.16',
    valuesSchema: 'https://raw.githubusercontent.com/stakater/Reloader/chart-v{version}/deployments/kubernetes/chart/reloader/values.schema.json',
  },
  cloudnativePg: {
    repo: 'https://cloudnative-pg.github.io/charts',
    chart: 'cloudnative-pg',
    // renovate: datasource=helm depName=cloudnative-pg registryUrl=https://cloudnative-pg.github.io/charts
    version: '0.29.0',
    valuesSchema: 'https://raw.githubusercontent.com/cloudnative-pg/charts/cloudnative-pg-v{version}/charts/cloudnative-pg/values.schema.json',
  },
  barmanCloudPlugin: {
    repo: 'https://cloudnative-pg.github.io/charts',
    chart: 'plugin-barman-cloud',
    // renovate: datasource=helm depName=plugin-barman-cloud registryUrl=https://cloudnative-pg.github.io/charts
    version: '0.7.0',
  },
  volsync: {
    repo: 'https://backube.github.io/helm-charts',
    chart: 'volsync',
    // renovate: datasource=helm depName=volsync registryUrl=https://backube.github.io/helm-charts
    version: '0.16.0',
  },
} as const satisfies Record<string, PinnedChart>;

/** An image the platform names itself: a tag people read, and the digest it is pinned to once Renovate has looked it up. */
export interface PinnedImage {
  readonly repository: string;
  readonly tag: string;
  /** `sha256:<64 hex>`: what `tag` pointed to when pinned, so a re-pushed tag changes nothing until a PR says so. */
  readonly digest?: string;
}

/**
 * Images the platform names itself (not through a chart's defaults). Renovate reads the
 * `// renovate:` comment above each `tag:` (renovate.json, the images' manager) and, for registry
 * images, pins each to its digest: its first run adds a `digest:` line under the tag (a pinDigest
 * PR), later ones move tag and digest together, and a rebuilt tag comes as a digest PR, which
 * merges itself once the checks pass (the PR workflow resolves each digest and scans the image).
 * Synth renders `repository:tag@digest` when a digest is there. The Barman Cloud plugin's is a
 * chart value without a digest field, so it stays a tag.
 */
export const IMAGES = {
  /**
   * PostgreSQL for every app database (CloudNativePG operand image). A new major is a migration
   * (CloudNativePG's major upgrade, or a restore into a new Cluster), so renovate.json keeps it to 17.x.
   */
  postgres: {
    repository: 'ghcr.io/cloudnative-pg/postgresql',
    // renovate: datasource=docker depName=ghcr.io/cloudnative-pg/postgresql
    tag: '17.6',
  },
  /**
   * The Barman Cloud plugin (operator and the sidecar it injects into each instance), run at the
   * release whose ObjectStore CRD imports/crds/ holds; the 0.7.0 chart ships v0.13.0 by default.
   */
  barmanCloudPlugin: {
    repository: 'ghcr.io/cloudnative-pg/plugin-barman-cloud',
    // renovate: datasource=github-releases depName=cloudnative-pg/plugin-barman-cloud
    tag: 'v0.14.0',
  },
  /**
   * The restore drills' runner (charts/restore-drills.ts): the Kubernetes project's own kubectl image,
   * released with every Kubernetes patch. It is distroless (kubernetes/kubernetes build/common.sh:
   * KUBECTL_BASE_IMAGE is go-runner), so the runner's shell comes from `busybox` below. Kept at the
   * cluster's minor (kubectl's supported skew is one minor either way), so renovate.json keeps it
   * to 1.32.x like the cluster.
   */
  kubectl: {
    repository: 'registry.k8s.io/kubectl',
    // renovate: datasource=docker depName=registry.k8s.io/kubectl
    tag: 'v1.32.7',
  },
  /**
   * The restore drills runner's shell: the official BusyBox image, so that an init container can
   * copy its one binary into the distroless kubectl image's pod (lib/constructs/drill-runner.ts).
   * The musl variant: its busybox is built with CONFIG_STATIC=y (docker-library/busybox
   * musl/Dockerfile.builder); the default glibc one needs the libc the kubectl image lacks.
   */
  busybox: {
    repository: 'docker.io/library/busybox',
    // renovate: datasource=docker depName=docker.io/library/busybox
    tag: '1.37.0-musl',
  },
  /**
   * restic for the volume drills: the restic project's own image (Alpine with a shell), the restic
   * that VolSync's movers write the repositories with (a reader never older than the writer).
   */
  restic: {
    repository: 'docker.io/restic/restic',
    // renovate: datasource=docker depName=docker.io/restic/restic
    tag: '0.18.1',
  },
  /**
   * oauth2-proxy, the sign-in at the edge (charts/sign-in.ts). test/cluster/sign-in.test.ts builds the same
   * version from its Go module (scripts/build-oauth2-proxy.sh) and runs it with the rendered flags.
   */
  oauth2Proxy: {
    repository: 'quay.io/oauth2-proxy/oauth2-proxy',
    // renovate: datasource=docker depName=quay.io/oauth2-proxy/oauth2-proxy
    tag: 'v7.15.6',
  },
  /** Valkey, the cache an app gets with `cache:` (lib/constructs/cache.ts). */
  valkey: {
    repository: 'docker.io/valkey/valkey',
    // renovate: datasource=docker depName=docker.io/valkey/valkey
    tag: '8.1.4-alpine',
  },
} as const satisfies Record<string, PinnedImage>;

/** `repository:tag`, or `repository:tag@digest` once pinned: what the pod runs. */
export const imageRef = (image: PinnedImage): string => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;

/** The chart's values schema URL at its pinned version (undefined when the chart ships none). */
export function valuesSchemaUrl(chart: PinnedChart): string | undefined {
  return chart.valuesSchema?.replaceAll('{version}', chart.version);
}

/**
 * The cluster-autoscaler release for each Kubernetes minor: upstream supports an autoscaler only
 * with the Kubernetes minor it was built against, so the chart's default image (which follows the
 * newest Kubernetes) is replaced by the one for the cluster's minor (config/cluster.ts).
 * 1.32.7 is the newest 1.32 patch release when this was pinned.
 */
export const CLUSTER_AUTOSCALER_RELEASES: Readonly<Record<string, string>> = {
  '1.32': 'v1.32.7',
};

/** helm versions `npm run diff` renders charts with: the PR workflow's release, and the build for machines without one. */
export const HELM_VERSIONS = { v3: '3.17.4', v4: '4.1.4' } as const;
