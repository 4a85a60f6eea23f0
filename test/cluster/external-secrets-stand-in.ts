import type { ControlPlane } from '../../lib/delivery/control-plane';
import { PLAYED_BY, poll, type StandIn } from './played-by';
import type { Condition } from '../../lib/delivery/condition';

/*
 * External Secrets Operator, played, with a played Infisical: the operator is not running and no
 * Infisical is asked. Conditions, events and messages are ESO's own
 * (github.com/external-secrets/external-secrets, main of 2026-08):
 *
 *  SecretStore     (external-secrets.io/v1, the Infisical provider with universalAuthCredentials,
 *                  as lib/constructs/infisical.ts renders it) Ready True, reason `Valid`, message
 *                  `store validated` when the Secret its clientId and clientSecret refer to holds
 *                  both keys in its namespace. Otherwise the provider cannot create its client
 *                  (providers/v1/infisical GetStoreSecretData, runtime/esutils/resolvers
 *                  SecretKeyRef): Ready False, reason `InvalidProviderConfig`, message `unable to
 *                  create client`, and a Warning event with the resolver's error (`cannot get
 *                  Kubernetes secret %q from namespace %q: …`, `cannot find secret data for key: %q`)
 *                  (pkg/controllers/secretstore/common.go validateStore). Other providers: not played.
 *  ExternalSecret  its SecretStore Ready and every spec.data remote key held by the played
 *                  Infisical: the target Secret is written (owned by the ExternalSecret, creationPolicy
 *                  Owner) with each key's played value (`stand-in` unless the test gives one; a
 *                  template's `{{ .KEY }}` filled from them; dataFrom finds no key), and Ready True,
 *                  reason `SecretSynced`, message `secret synced`. The played Infisical holds every
 *                  key but those a test names absent: the provider then returns NoSecretErr
 *                  (`Secret does not exist`, apis/externalsecrets/v1/provider.go), which with
 *                  deletionPolicy Retain fails the sync: Ready False, reason `SecretSyncedError`,
 *                  message `could not get secret data from provider`, and a Warning event
 *                  `UpdateFailed` with `error processing spec.data[<i>] (key: <key>), err: Secret does
 *                  not exist` (pkg/controllers/externalsecret). A store not Ready fails the same way
 *                  with `SecretStore "<name>" is not ready` (secretstore/client_manager.go).
 *                  refreshInterval is not played: a changed ExternalSecret is synced again.
 */

export interface ExternalSecretsOptions {
  /** Infisical keys the played Infisical does not hold. */
  readonly absentKeys?: readonly string[];
  /** The played value of a key (default `stand-in`), e.g. a repository password a played mover must open with. */
  readonly values?: (namespace: string, key: string) => string | undefined;
}

interface SecretKeyRef {
  name: string;
  key: string;
  namespace?: string;
}

interface Store {
  metadata: { name: string; namespace: string; uid: string };
  spec?: { provider?: { infisical?: { auth?: { universalAuthCredentials?: { clientId?: SecretKeyRef; clientSecret?: SecretKeyRef } } } } };
  status?: { conditions?: Condition[] };
}

interface ExternalSecretObject {
  metadata: { name: string; namespace: string; uid: string; generation?: number };
  spec?: {
    secretStoreRef?: { name: string; kind?: string };
    target?: { name?: string; deletionPolicy?: string; template?: { data?: Record<string, string> } };
    data?: { secretKey: string; remoteRef: { key: string } }[];
  };
  status?: { conditions?: Condition[]; syncedResourceVersion?: string };
}

const ready = (o: { status?: { conditions?: Condition[] } }) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export function playExternalSecrets(cp: ControlPlane, log: (line: string) => void = console.log, opts: ExternalSecretsOptions = {}): StandIn {
  const absent = new Set(opts.absentKeys ?? []);
  const said = new Set<string>();
  const checked = new Map<string, number>(); // store uid -> when its auth Secret was last read
  const event = (kind: string, o: { metadata: { name: string; namespace: string; uid: string } }, reason: string, message: string) => {
    const key = `${kind}/${o.metadata.uid}/${message}`;
    if (said.has(key)) return;
    said.add(key);
    return cp.api('POST', `/api/v1/namespaces/${o.metadata.namespace}/events`, {
      metadata: { generateName: `${o.metadata.name}.`, namespace: o.metadata.namespace },
      involvedObject: { apiVersion: 'external-secrets.io/v1', kind, name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid },
      type: 'Warning',
      reason,
      message,
      source: { component: 'external-secrets' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
  };
  const setReady = async (plural: string, o: { metadata: { name: string; namespace: string }; status?: { conditions?: Condition[] } }, c: Omit<Condition, 'type'>, extra: object, what: string) => {
    const was = o.status?.conditions?.find((x) => x.type === 'Ready');
    if (was && was.status === c.status && was.reason === c.reason && was.message === c.message && !Object.keys(extra).length) return;
    const status = { ...extra, conditions: [{ type: 'Ready', ...c, lastTransitionTime: new Date().toISOString() }] };
    const res = await cp.api('PATCH', `/apis/external-secrets.io/v1/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}/status`, { status }, 'application/merge-patch+json');
    if (res.status === 200) log(`[stand-in external-secrets] ${what} (no operator and no Infisical on this machine)`);
  };
  /** resolvers.SecretKeyRef: the error the provider gets for a reference, or undefined when the key is there. */
  const refError = async (namespace: string, ref: SecretKeyRef | undefined) => {
    if (!ref) return 'invalid infisical store';
    const ns = ref.namespace ?? namespace;
    const { status, body } = await cp.api<{ data?: Record<string, string>; message?: string }>('GET', `/api/v1/namespaces/${ns}/secrets/${ref.name}`);
    if (status !== 200) return `cannot get Kubernetes secret "${ref.name}" from namespace "${ns}": ${body.message ?? status}`;
    return body.data?.[ref.key] === undefined ? `cannot find secret data for key: "${ref.key}"` : undefined;
  };

  return poll('external-secrets', 500, async () => {
    const stores = await cp.api<{ items?: Store[] }>('GET', '/apis/external-secrets.io/v1/secretstores');
    if (stores.status !== 200) return; // the CRDs are not installed (yet)
    for (const store of stores.body.items ?? []) {
      const auth = store.spec?.provider?.infisical?.auth?.universalAuthCredentials;
      if (!store.spec?.provider?.infisical) continue;
      // A Ready store is checked again every few seconds (ESO: every refresh), one that is not, each round.
      if (ready(store) && Date.now() - (checked.get(store.metadata.uid) ?? 0) < 5000) continue;
      checked.set(store.metadata.uid, Date.now());
      const id = `SecretStore ${store.metadata.namespace}/${store.metadata.name}`;
      const error = (await refError(store.metadata.namespace, auth?.clientId)) ?? (await refError(store.metadata.namespace, auth?.clientSecret));
      if (!error) {
        await setReady('secretstores', store, { status: 'True', reason: 'Valid', message: 'store validated' }, {}, `${id} Ready: its universal-auth Secret is there`);
      } else {
        await setReady('secretstores', store, { status: 'False', reason: 'InvalidProviderConfig', message: 'unable to create client' }, {}, `${id} not Ready: ${error}`);
        await event('SecretStore', store, 'InvalidProviderConfig', error);
      }
    }
    const byName = new Map((stores.body.items ?? []).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
    const { body } = await cp.api<{ items?: ExternalSecretObject[] }>('GET', '/apis/external-secrets.io/v1/externalsecrets');
    for (const es of body.items ?? []) {
      const { namespace, name, generation } = es.metadata;
      const id = `ExternalSecret ${namespace}/${name}`;
      const storeName = es.spec?.secretStoreRef?.name ?? '';
      if ((es.spec?.secretStoreRef?.kind ?? 'SecretStore') !== 'SecretStore') continue; // ClusterSecretStores: not played
      const store = byName.get(`${namespace}/${storeName}`);
      const data = es.spec?.data ?? [];
      const retain = (es.spec?.target?.deletionPolicy ?? 'Retain') === 'Retain';
      const missing = data.map((d, i) => [d, i] as const).find(([d]) => absent.has(d.remoteRef.key) && retain);
      const error = !store
        ? `could not get SecretStore "${storeName}", secretstores.external-secrets.io "${storeName}" not found`
        : !ready(store)
          ? `error processing spec.data[0] (key: ${data[0]?.remoteRef.key ?? ''}), err: SecretStore "${storeName}" is not ready`
          : missing
            ? `error processing spec.data[${missing[1]}] (key: ${missing[0].remoteRef.key}), err: Secret does not exist`
            : undefined;
      if (error) {
        await setReady('externalsecrets', es, { status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' }, {}, `${id} not synced: ${error}`);
        await event('ExternalSecret', es, 'UpdateFailed', error);
        continue;
      }
      const synced = `${generation}-stand-in`;
      if (ready(es) && es.status?.syncedResourceVersion === synced) continue;
      const values: Record<string, string> = {};
      for (const d of data.filter((d) => !absent.has(d.remoteRef.key))) values[d.secretKey] = opts.values?.(namespace, d.remoteRef.key) ?? 'stand-in';
      const template = es.spec?.target?.template?.data;
      const stringData = template ? Object.fromEntries(Object.entries(template).map(([k, t]) => [k, t.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => values[key] ?? '')])) : values;
      const target = es.spec?.target?.name ?? name;
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: target, namespace, labels: { [PLAYED_BY]: 'test-harness' }, ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name, uid: es.metadata.uid, controller: true, blockOwnerDeletion: true }] },
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      };
      const res = await cp.api('PATCH', `/api/v1/namespaces/${namespace}/secrets/${target}?fieldManager=external-secrets&force=true`, secret, 'application/apply-patch+yaml');
      if (res.status >= 300) throw new Error(`writing Secret ${namespace}/${target}: ${JSON.stringify(res.body).slice(0, 300)}`);
      const extra = { syncedResourceVersion: synced, refreshTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), binding: { name: target } };
      await setReady('externalsecrets', es, { status: 'True', reason: 'SecretSynced', message: 'secret synced' }, extra, `${id} synced: Secret ${target} written with played values (${Object.keys(stringData).join(', ') || 'no key'}), not from Infisical`);
    }
  });
}
