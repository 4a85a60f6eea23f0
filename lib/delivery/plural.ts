/*
 * The resource (plural) name of a kind, as a CRD declares it in `spec.names.plural`, and from it the
 * CRD's name `<plural>.<group>`. CRDs choose their plural freely, so the known kinds are listed;
 * the rules below only cover kinds not in the table (lowercase; `s`/`x`/`ch`/`sh` + es; consonant
 * + `y` -> ies; else + s), which is what nearly every CRD does.
 */

const IRREGULAR: Readonly<Record<string, string>> = {
  // cert-manager.io
  Certificate: 'certificates',
  CertificateRequest: 'certificaterequests',
  ClusterIssuer: 'clusterissuers',
  Issuer: 'issuers',
  // external-secrets.io
  ExternalSecret: 'externalsecrets',
  ClusterExternalSecret: 'clusterexternalsecrets',
  SecretStore: 'secretstores',
  ClusterSecretStore: 'clustersecretstores',
  PushSecret: 'pushsecrets',
  // helm.cattle.io (shipped with k3s)
  HelmChart: 'helmcharts',
  HelmChartConfig: 'helmchartconfigs',
  // traefik.io
  IngressRoute: 'ingressroutes',
  Middleware: 'middlewares',
  ServersTransport: 'serverstransports',
  TLSOption: 'tlsoptions',
  // monitoring.coreos.com
  ServiceMonitor: 'servicemonitors',
  PodMonitor: 'podmonitors',
  PrometheusRule: 'prometheusrules',
  // gateway.networking.k8s.io
  Gateway: 'gateways',
  GatewayClass: 'gatewayclasses',
  HTTPRoute: 'httproutes',
};

export function pluralOf(kind: string): string {
  const known = IRREGULAR[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** `ClusterIssuer` in `cert-manager.io` -> `clusterissuers.cert-manager.io`. */
export function crdNameOf(kind: string, group: string): string {
  return `${pluralOf(kind)}.${group}`;
}
