import { z } from 'zod';
import type { ClusterConfig } from '../config';
import { DNS_LABEL } from '../names';
import { SpecError } from '../validation';
import type { AppSpec, ComponentSpec } from './types';

/*
 * `tailnet: true` (or `{ machine: 'dash' }`): an app served only on the tailnet, through the
 * Tailscale operator's ingress class (lib/constructs/tailnet-ingress.ts): one device per app, named
 * after the app (or `machine`), HTTPS at https://<machine>.<tailnet> with a certificate the operator's
 * proxy gets through Tailscale. It has no public name: no hosts, so no DNS record (lib/hosts.ts
 * `publicHosts`), no Traefik route, nothing for the wildcard certificate.
 *
 * What guards a public host is refused beside it, since it would silently guard nothing: `private`
 * and `login` are Traefik middlewares and `http` shapes Traefik's entry point, and tailnet traffic
 * never passes Traefik. Who may reach the device is the tailnet policy's to say (grants to tag:k8s);
 * the proxy tells the app who it is in Tailscale-User-Login.
 */

/** A machine name as MagicDNS serves it: one DNS label (lowercase letters, digits, inner dashes, at most 63). */
const machine = z.string().regex(DNS_LABEL, 'a machine name that is a DNS label (lowercase letters, digits and inner dashes, at most 63 characters), such as grafana');

export const tailnetSchema = z.union(
  [z.boolean('true or false'), z.strictObject({ machine })],
  'true (the machine is named after the app), false, or `{ machine: \'name\' }`',
);
export type TailnetInput = z.output<typeof tailnetSchema>;

/** The app's device on the tailnet. */
export interface TailnetSpec {
  /** Its MagicDNS machine name: the app is at https://<machine>.<tailnet>. */
  readonly machine: string;
}

interface Declared {
  readonly hosts: readonly string[];
  readonly private: boolean;
  readonly login: boolean;
  readonly http: boolean;
  readonly components: readonly Pick<ComponentSpec, 'kind'>[];
}

/** The app's device, and the problems of declaring it beside what it cannot go with (pushed onto `problems`). */
export function normalizeTailnet(name: string, input: Exclude<TailnetInput, false>, declared: Declared, problems: string[]): TailnetSpec {
  const spec = { machine: input === true ? name : input.machine };
  const beside = (field: string, got: string, why: string) => problems.push(`${field}: got ${got} on a tailnet-only app, expected ${why}`);
  if (declared.hosts.length) beside('hosts', JSON.stringify(declared.hosts), 'no public hosts (a tailnet-only app has no public name: leave `hosts` out, or `tailnet` to serve it publicly)');
  if (declared.private) beside('private', 'true', 'no `private` (it is an allowlist in Traefik, which tailnet traffic never passes: the tailnet policy says who reaches the device)');
  if (declared.login) beside('login', 'a login', 'no `login` (the sign-in is a Traefik middleware, which tailnet traffic never passes: the tailnet policy says who reaches the device, and the app reads who in Tailscale-User-Login)');
  if (declared.http) beside('http', 'HTTP settings', 'no `http` (they shape Traefik, which tailnet traffic never passes)');
  if (!declared.components.some((c) => c.kind === 'web')) problems.push('tailnet: got true for an app without a web component, expected a component with a `port` to serve on the tailnet');
  return spec;
}

/**
 * Machine names must be unique on the tailnet: a second device of a taken name gets `-1` appended
 * by Tailscale, and its URL would quietly not be the one declared. The operator's own device (the
 * API server proxy) takes one too.
 */
export function refuseTailnetCollisions(apps: readonly Pick<AppSpec, 'file' | 'tailnet'>[], cluster: Pick<ClusterConfig, 'tailscale'>): void {
  const owners = new Map<string, string>([[cluster.tailscale.apiProxyHostname, 'the Tailscale operator (config/cluster.ts tailscale.apiProxyHostname)']]);
  for (const app of apps) {
    if (!app.tailnet) continue;
    const owner = owners.get(app.tailnet.machine);
    if (owner) throw new SpecError(app.file, [`tailnet: got the machine name ${app.tailnet.machine}, expected one no other device of the cluster takes (${owner} already does: set \`tailnet: { machine: '...' }\`)`]);
    owners.set(app.tailnet.machine, app.file);
  }
}
