import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { afterAll, describe, expect, test } from 'vitest';
import { BootstrapStack, STACK_NAME } from '../bootstrap/stack';
import { defineStateBackend } from '../bootstrap/state';
import { ORIGIN_PULL_CA } from '../charts/traefik';
import { defineCluster, type ClusterConfig } from '../lib/config';
import { fixtureClusterInput, fixtureStateBackend } from './fixtures/cluster';
import { find, helmValues, render } from './helpers';

/*
 * Authenticated Origin Pulls (config dns.authenticatedOriginPulls, docs/client-ip.md): Traefik's
 * default TLSOption requires a client certificate signed by the zone's CA, which an ExternalSecret
 * brings from Infisical; the bootstrap turns the zone's setting on. Off by default, refused without
 * Cloudflare's proxy.
 */

const withPulls = (dns: { proxied: boolean; authenticatedOriginPulls?: boolean }) => defineCluster({ ...fixtureClusterInput, dns }, 'test/fixtures/cluster.ts');
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function bootstrap(cluster: ClusterConfig): any {
  const outdir = mkdtempSync(join(tmpdir(), 'origin-pulls-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  new BootstrapStack(app, STACK_NAME, { cluster, hosts: [cluster.domain], backupOwners: [], state: defineStateBackend(fixtureStateBackend) });
  app.synth();
  return JSON.parse(readFileSync(join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json'), 'utf8'));
}

describe('Authenticated Origin Pulls', () => {
  test('on: Traefik requires a client certificate of the CA that Infisical /platform/traefik holds, and the zone presents one', () => {
    const cluster = withPulls({ proxied: true, authenticatedOriginPulls: true });
    const { objects } = render({ cluster, apps: [] });
    expect(helmValues(objects, 'traefik').tlsOptions).toEqual({ default: { clientAuth: { secretNames: [ORIGIN_PULL_CA.secretName], clientAuthType: 'RequireAndVerifyClientCert' } } });
    const store = find(objects, 'SecretStore', 'infisical', 'traefik') as any;
    expect(store.spec.provider.infisical.secretsScope.secretsPath).toBe('/platform/traefik');
    const secret = find(objects, 'ExternalSecret', ORIGIN_PULL_CA.secretName, 'traefik') as any;
    // Traefik's clientAuth reads the CA from `ca.crt` (or `tls.ca`) of the named Secret.
    expect(secret.spec.target.template.data).toEqual({ 'ca.crt': '{{ .ORIGIN_PULL_CA }}' });
    expect(secret.spec.data).toEqual([{ secretKey: 'ORIGIN_PULL_CA', remoteRef: { key: 'ORIGIN_PULL_CA' } }]);
    const settings = Object.values(bootstrap(cluster).resource.cloudflare_authenticated_origin_pulls_settings) as any[];
    expect(settings).toEqual([expect.objectContaining({ zone_id: '${data.cloudflare_zone.zone.zone_id}', enabled: true })]);
  });

  test('off (the default): no client certificate asked for, nothing in Infisical, the zone left alone', () => {
    const { objects } = render({ apps: [] });
    expect(helmValues(objects, 'traefik').tlsOptions).toBeUndefined();
    expect(objects.filter((o) => o.metadata.namespace === 'traefik' && ['SecretStore', 'ExternalSecret'].includes(o.kind))).toEqual([]);
    expect(bootstrap(withPulls({ proxied: true })).resource.cloudflare_authenticated_origin_pulls_settings).toBeUndefined();
  });

  test('refused without the proxy, naming the file and the field', () => {
    expect(() => withPulls({ proxied: false, authenticatedOriginPulls: true })).toThrow(
      /test\/fixtures\/cluster\.ts: .*\n {2}- dns\.authenticatedOriginPulls: got true, expected false or nothing while dns\.proxied is false/,
    );
  });
});
