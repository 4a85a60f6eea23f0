/** Naming rules shared by the config and app schemas. */

/** RFC 1123 label: what Kubernetes accepts as a namespace or object name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1035 label: what Kubernetes accepts as a Service name (a letter first). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The longest label value (and DNS label) Kubernetes accepts. */
export const LABEL_VALUE_MAX = 63;

/** A fully qualified DNS name made of RFC 1123 labels, with at least two labels. */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The full name of a host declared relative to the cluster domain (`@` is the apex). */
export function fqdn(host: string, domain: string): string {
  return host === '@' ? domain : `${host}.${domain}`;
}
