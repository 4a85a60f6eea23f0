import { Construct } from 'constructs';
import type { ClusterConfig } from '../config';
import { ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy, ExternalSecretSpecTargetTemplateEngineVersion } from '../../imports/externalsecrets-external-secrets.io';
import { SecretStore } from '../../imports/secretstores-external-secrets.io';

/**
 * Secret zero: the Infisical Universal Auth client credentials. They are the one secret that cannot
 * come from Infisical, so they are never in git: `npm run apply` creates this Secret in every
 * namespace that has an InfisicalSecretStore, each from that namespace's own machine identity
 * (INFISICAL_IDENTITIES, lib/delivery/secret-zero.ts), which can read the store's folder only.
 */
export const UNIVERSAL_AUTH_SECRET = { name: 'infisical-universal-auth', clientIdKey: 'clientId', clientSecretKey: 'clientSecret' } as const;

export interface InfisicalSecretStoreProps {
  readonly cluster: ClusterConfig;
  readonly namespace: string;
  /** The only Infisical folder this store can read, e.g. /apps/blog. */
  readonly secretsPath: string;
  /** Store name, when a namespace has more than one (default `infisical`). */
  readonly name?: string;
}

/** A namespaced SecretStore for Infisical Cloud, scoped to one folder of the project. */
export class InfisicalSecretStore extends Construct {
  static readonly NAME = 'infisical';
  readonly name: string;

  constructor(scope: Construct, id: string, props: InfisicalSecretStoreProps) {
    super(scope, id);
    this.name = props.name ?? InfisicalSecretStore.NAME;
    const ref = (key: string) => ({ name: UNIVERSAL_AUTH_SECRET.name, key });
    new SecretStore(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace },
      spec: {
        provider: {
          infisical: {
            hostApi: props.cluster.infisical.hostApi,
            auth: {
              universalAuthCredentials: {
                clientId: ref(UNIVERSAL_AUTH_SECRET.clientIdKey),
                clientSecret: ref(UNIVERSAL_AUTH_SECRET.clientSecretKey),
              },
            },
            secretsScope: {
              projectSlug: props.cluster.infisical.projectSlug,
              environmentSlug: props.cluster.infisical.environmentSlug,
              secretsPath: props.secretsPath,
              recursive: false,
            },
          },
        },
      },
    });
  }
}

export interface InfisicalSecretProps {
  readonly cluster: ClusterConfig;
  readonly namespace: string;
  /** Name of the Kubernetes Secret the operator writes. */
  readonly secretName: string;
  /**
   * Secret key -> Infisical key. Omit to copy every key of the store's folder (keys keep their names,
   * which suits environment variables).
   */
  readonly keys?: Record<string, string>;
  /** The store to read from (default `infisical`). */
  readonly storeName?: string;
  /**
   * Secret key -> template (ESO v2, `{{ .KEY }}` names a fetched key), for Secrets that mix
   * fetched values with plain ones. With it, the Secret holds exactly these keys.
   */
  readonly template?: Record<string, string>;
}

/** An ExternalSecret that fills one Kubernetes Secret from the namespace's InfisicalSecretStore. */
export class InfisicalSecret extends Construct {
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: InfisicalSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    new ExternalSecret(this, 'Resource', {
      metadata: { name: props.secretName, namespace: props.namespace },
      spec: {
        refreshInterval: props.cluster.infisical.refreshInterval,
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.SECRET_STORE, name: props.storeName ?? InfisicalSecretStore.NAME },
        // Retain: an Infisical outage or a deleted key must not delete the Secret a running app uses.
        target: {
          name: props.secretName,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          ...(props.template ? { template: { engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2, data: props.template } } : {}),
        },
        ...(props.keys
          ? { data: Object.entries(props.keys).map(([secretKey, key]) => ({ secretKey, remoteRef: { key } })) }
          : { dataFrom: [{ find: { name: { regexp: '.*' } } }] }),
      },
    });
  }
}
