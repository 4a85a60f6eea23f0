import ipaddr from 'ipaddr.js';
import { describe, expect, test } from 'vitest';
import { cluster } from '../config/cluster';
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from '../lib/cloudflare';
import { defineCluster, type ClusterConfigInput } from '../lib/config';
import { fixtureCluster } from './fixtures/cluster';

describe('Cloudflare ranges', () => {
  test('are well-formed CIDRs of the right family, with no host bits set and no duplicates', () => {
    for (const [list, kind] of [[CLOUDFLARE_IPV4, 'ipv4'], [CLOUDFLARE_IPV6, 'ipv6']] as const) {
      expect(new Set(list).size).toBe(list.length);
      for (const cidr of list) {
        const [address, prefix] = ipaddr.parseCIDR(cidr);
        expect(address.kind(), cidr).toBe(kind);
        expect(prefix, cidr).toBeGreaterThanOrEqual(kind === 'ipv4' ? 8 : 20);
        const network = kind === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
        expect(address.toString(), `${cidr} has host bits set`).toBe(network.toString());
      }
    }
  });
});

describe('cluster config', () => {
  // Whatever values the user chose: importing config/cluster.ts validates it (an invalid one throws).
  test('the committed config is valid and frozen', () => {
    expect(cluster.domain).toMatch(/^[a-z0-9.-]+$/);
    expect(Object.isFrozen(cluster)).toBe(true);
  });

  // The cases mutate the tests' own config, so they hold whatever the user's values are.
  const base = fixtureCluster as unknown as ClusterConfigInput;
  const cases: [string, (c: any) => void, RegExp][] = [
    ['unknown region', (c) => (c.region = 'AMS1'), /region: got "AMS1", expected one of FRA1/],
    ['domain with upper case', (c) => (c.domain = 'Example.COM'), /domain: got "Example.COM", expected a lowercase domain name/],
    ['bad e-mail', (c) => (c.acmeEmail = 'ops-at-example'), /acmeEmail: got "ops-at-example", expected an e-mail address/],
    ['unknown node size', (c) => (c.nodePool = { ...c.nodePool, size: 'g4s.kube.huge' }), /nodePool.size: got "g4s.kube.huge", expected one of g4s.kube.xsmall/],
    ['min above max', (c) => (c.nodePool = { ...c.nodePool, minNodes: 4, maxNodes: 2 }), /nodePool.maxNodes: got 2, expected a value >= nodePool.minNodes/],
    ['zero nodes', (c) => (c.nodePool = { ...c.nodePool, minNodes: 0 }), /nodePool.minNodes: got 0, expected at least 1 node/],
    ['reserved IP not an address', (c) => (c.loadBalancer = { reservedIp: '74.220.24' }), /loadBalancer.reservedIp: got "74.220.24", expected an IPv4 address/],
    ['API open to the world', (c) => (c.adminCidrs = ['0.0.0.0/0']), /adminCidrs.0: got "0.0.0.0\/0", expected a CIDR .*never be open to the world/],
    ['admin CIDR malformed', (c) => (c.adminCidrs = ['203.0.113.300/32']), /adminCidrs.0: got "203.0.113.300\/32", expected a CIDR/],
    ['no admin CIDR', (c) => (c.adminCidrs = []), /adminCidrs: got \[\], expected at least one admin CIDR/],
    ['network range public', (c) => (c.network = { cidr: '74.220.0.0/24' }), /network.cidr: got "74.220.0.0\/24", expected a private IPv4 CIDR/],
    ['Infisical over http', (c) => (c.infisical = { ...c.infisical, hostApi: 'http://eu.infisical.com' }), /infisical.hostApi: got "http:\/\/eu.infisical.com", expected an https:\/\/ URL/],
    ['refresh interval not a duration', (c) => (c.infisical = { ...c.infisical, refreshInterval: 'hourly' }), /infisical.refreshInterval: got "hourly", expected a duration/],
    ['k3s version malformed', (c) => (c.kubernetes = { ...c.kubernetes, version: '1.32' }), /kubernetes.version: got "1.32", expected a Civo k3s version/],
    ['misspelt field', (c) => (c.adminCIDRs = ['1.2.3.4/32']), /adminCIDRs: unknown field/],
  ];
  test.each(cases)('refuses %s with the file, field, value and expectation', (_, mutate, message) => {
    const input = structuredClone(base) as any;
    mutate(input);
    expect(() => defineCluster(input)).toThrow(/^config\/cluster.ts: invalid declaration/);
    expect(() => defineCluster(input)).toThrow(message);
  });
});
