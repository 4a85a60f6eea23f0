import { UNIVERSAL_AUTH_SECRET } from '../constructs/infisical';
import { groupOf } from '../render';
import type { DistObject } from './manifests';

/*
 * Secret zero, one per namespace: every namespace with an Infisical SecretStore logs in with an
 * Infisical machine identity of its own, which can read that namespace's folder only (README,
 * "Secrets"). The deploy job gets them all in one environment secret, INFISICAL_IDENTITIES:
 *   { "<namespace>": { "clientId": "...", "clientSecret": "..." }, ... }
 * and writes each namespace's Secret from its own entry, so whoever can read the Secret in one
 * namespace can read that namespace's folder and nothing else. Values are never printed.
 */

export const INFISICAL_IDENTITIES_ENV = 'INFISICAL_IDENTITIES';

export interface SecretStoreRef {
  readonly namespace: string;
  /** The Infisical folders the namespace's stores read (its identity must be limited to them). */
  readonly secretsPaths: readonly string[];
}

/** The namespaces of dist/ with Infisical SecretStores, each with the folders its stores read. */
export function infisicalStores(objects: Iterable<DistObject>): SecretStoreRef[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const o of objects) {
    if (o.manifest.kind !== 'SecretStore' || groupOf(o.manifest.apiVersion) !== 'external-secrets.io' || !o.manifest.metadata.namespace) continue;
    const path = String((o.manifest.spec as any)?.provider?.infisical?.secretsScope?.secretsPath ?? '?');
    byNamespace.set(o.manifest.metadata.namespace, (byNamespace.get(o.manifest.metadata.namespace) ?? new Set()).add(path));
  }
  return [...byNamespace]
    .map(([namespace, paths]) => ({ namespace, secretsPaths: [...paths].sort() }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace));
}

/** `/apps/shop and /backups/shop`. */
export const foldersOf = (store: SecretStoreRef) => store.secretsPaths.join(' and ');

interface Identity {
  clientId: string;
  clientSecret: string;
}

function parseIdentities(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw = env[INFISICAL_IDENTITIES_ENV];
  if (!raw) throw new Error(`${INFISICAL_IDENTITIES_ENV}: got nothing, expected a JSON object of one Infisical machine identity per namespace ({"<namespace>": {"clientId": "…", "clientSecret": "…"}})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${INFISICAL_IDENTITIES_ENV}: got text that is not JSON, expected {"<namespace>": {"clientId": "…", "clientSecret": "…"}}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${INFISICAL_IDENTITIES_ENV}: got ${Array.isArray(parsed) ? 'an array' : typeof parsed}, expected a JSON object keyed by namespace`);
  return parsed as Record<string, unknown>;
}

/** Each store's namespace with its own identity; throws, naming namespaces and folders (never values). */
export function identitiesFor(stores: readonly SecretStoreRef[], env: NodeJS.ProcessEnv): Map<string, Identity> {
  const all = parseIdentities(env);
  const found = new Map<string, Identity>();
  const problems: string[] = [];
  for (const store of stores) {
    const { namespace } = store;
    const entry = all[namespace] as Partial<Identity> | undefined;
    if (entry === undefined) problems.push(`${namespace}: got no entry, expected the identity that reads ${foldersOf(store)}`);
    else if (typeof entry !== 'object' || typeof entry.clientId !== 'string' || !entry.clientId || typeof entry.clientSecret !== 'string' || !entry.clientSecret) {
      problems.push(`${namespace}: got ${entry === null ? 'null' : typeof entry === 'object' ? `keys ${Object.keys(entry).join(', ') || '(none)'}` : typeof entry}, expected {"clientId": "…", "clientSecret": "…"}`);
    } else found.set(namespace, { clientId: entry.clientId, clientSecret: entry.clientSecret });
  }
  // One identity in two namespaces would let either read the other's folder: refuse it.
  const byClient = new Map<string, string[]>();
  for (const [namespace, { clientId }] of found) byClient.set(clientId, [...(byClient.get(clientId) ?? []), namespace]);
  for (const namespaces of byClient.values()) {
    if (namespaces.length > 1) problems.push(`${namespaces.join(', ')}: got one identity for ${namespaces.length} namespaces, expected one of its own for each`);
  }
  if (problems.length) throw new Error(`${INFISICAL_IDENTITIES_ENV}: ${problems.join('; ')}`);
  return found;
}

/** The Universal Auth Secrets as one v1 List, each namespace's from its own identity. */
export function universalAuthSecrets(stores: readonly SecretStoreRef[], env: NodeJS.ProcessEnv, managedBy: string): string {
  const identities = identitiesFor(stores, env);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: stores.map(({ namespace }) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: UNIVERSAL_AUTH_SECRET.name, namespace, labels: { 'app.kubernetes.io/managed-by': managedBy } },
      type: 'Opaque',
      stringData: { [UNIVERSAL_AUTH_SECRET.clientIdKey]: identities.get(namespace)!.clientId, [UNIVERSAL_AUTH_SECRET.clientSecretKey]: identities.get(namespace)!.clientSecret },
    })),
  });
}
