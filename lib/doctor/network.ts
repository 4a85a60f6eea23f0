import { resolveNs } from 'node:dns/promises';
import type { ClusterConfig } from '../config';

/*
 * `doctor --network`: what can be checked without credentials. The zone is delegated to
 * Cloudflare (its NS records are *.ns.cloudflare.com), and the Infisical and Grafana Cloud
 * endpoints answer over HTTPS (any HTTP status will do: they refuse us, but they are there).
 * Never run by the tests: they are offline.
 */

async function reachable(url: string): Promise<string | undefined> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    return undefined;
  } catch (error) {
    return String((error as Error).cause ?? (error as Error).message);
  }
}

export async function networkFindings(cluster: ClusterConfig): Promise<string[]> {
  const findings: string[] = [];
  try {
    const servers = await resolveNs(cluster.domain);
    if (!servers.some((s) => s.endsWith('.ns.cloudflare.com'))) findings.push(`config/cluster.ts: domain: got ${cluster.domain} with name servers ${servers.join(', ')}, expected a zone delegated to Cloudflare (*.ns.cloudflare.com)`);
  } catch (error) {
    findings.push(`config/cluster.ts: domain: got ${cluster.domain}, which has no NS records (${(error as NodeJS.ErrnoException).code}), expected a zone delegated to Cloudflare`);
  }
  for (const [field, url] of [['infisical.hostApi', cluster.infisical.hostApi], ['grafanaCloud.metricsUrl', cluster.grafanaCloud.metricsUrl], ['grafanaCloud.logsUrl', cluster.grafanaCloud.logsUrl]] as const) {
    const problem = await reachable(url);
    if (problem) findings.push(`config/cluster.ts: ${field}: got ${url}, which did not answer (${problem}), expected a reachable endpoint`);
  }
  return findings;
}
