import { parseImage } from '../spec/fields';

/*
 * Asking an image's registry whether its tag (or digest) exists, with the OCI distribution API
 * (`HEAD /v2/<name>/manifests/<reference>`), anonymously: a registry that wants a token says so
 * with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, and the token is fetched from that
 * realm without credentials (how docker.io, ghcr.io, quay.io and registry.k8s.io serve public
 * images). The manifest's digest comes from the `Docker-Content-Digest` header. A registry on
 * loopback is spoken to over plain HTTP (the tests' local registry); every other over HTTPS.
 */

export interface ImageName {
  /** The registry host, as the API is reached: `registry-1.docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly host: string;
  /** The repository inside it: `library/busybox`, `cloudnative-pg/postgresql`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export type Resolution = { readonly found: true; readonly digest: string } | { readonly found: false; readonly reason: string };

/** Splits a reference as container runtimes do (docker.io and its `library/` for one-word names); undefined when it is not one. */
export function imageName(ref: string): ImageName | undefined {
  const parsed = parseImage(ref);
  if (!parsed) return undefined;
  const [first, ...rest] = parsed.repository.split('/');
  const hasHost = rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  let host = hasHost ? first! : 'docker.io';
  let path = hasHost ? rest.join('/') : parsed.repository;
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = 'registry-1.docker.io';
    if (!path.includes('/')) path = `library/${path}`;
  }
  return { host, path, tag: parsed.tag, digest: parsed.digest };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

/** `Bearer realm="…",service="…",scope="…"` as a map. */
function challenge(header: string): Record<string, string> | undefined {
  if (!/^Bearer\s/i.test(header)) return undefined;
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** Resolves one image reference against its registry; `fetchImpl` for tests of the protocol. */
export async function resolveImage(ref: string, fetchImpl: typeof fetch = fetch): Promise<Resolution> {
  const name = imageName(ref);
  if (!name) return { found: false, reason: 'not an image reference' };
  if (!name.tag && !name.digest) return { found: false, reason: 'no tag or digest to resolve' };
  const reference = name.digest ?? name.tag!;
  const url = `${isLoopback(name.host) ? 'http' : 'https'}://${name.host}/v2/${name.path}/manifests/${reference}`;
  const head = (token?: string) =>
    fetchImpl(url, { method: 'HEAD', headers: { accept: MANIFEST_TYPES, ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
  let res = await head();
  if (res.status === 401) {
    const params = challenge(res.headers.get('www-authenticate') ?? '');
    if (!params?.realm) return { found: false, reason: `${name.host} asks for credentials this check does not have (HTTP 401)` };
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${name.path}:pull`);
    const tokenRes = await fetchImpl(tokenUrl, { signal: AbortSignal.timeout(30_000) });
    if (!tokenRes.ok) return { found: false, reason: `${name.host} refused an anonymous pull token (HTTP ${tokenRes.status}): a private image, or no such repository` };
    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
    res = await head(body.token ?? body.access_token);
  }
  if (res.ok) {
    const digest = res.headers.get('docker-content-digest') ?? name.digest;
    if (!digest) return { found: false, reason: `${name.host} answered without a Docker-Content-Digest` };
    if (name.digest && digest !== name.digest) return { found: false, reason: `${name.host} serves ${digest} for ${name.digest}` };
    return { found: true, digest };
  }
  if (res.status === 404) return { found: false, reason: name.digest ? `digest ${name.digest} not found in ${name.host}/${name.path}` : `tag ${name.tag} not found in ${name.host}/${name.path}` };
  if (res.status === 401 || res.status === 403) return { found: false, reason: `${name.host}/${name.path} is private or does not exist (HTTP ${res.status})` };
  return { found: false, reason: `${name.host} answered HTTP ${res.status}` };
}
