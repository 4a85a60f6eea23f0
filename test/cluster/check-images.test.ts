import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../lib/render';
import { toYaml } from '../../lib/yaml';
import { buildOracle } from '../fixtures/oracles';
import { REPO } from './harness';

/*
 * `npm run check-images` against a real OCI registry on loopback: go-containerregistry's registry
 * (pkg/registry; scripts/build-registry-oracle.sh builds it, cached like the other oracles). The
 * test pushes one image through the registry's own API, then checks a dist/ of its own that names
 * that image, a tag that does not exist, and digest pins right and wrong.
 */

let registry: ChildProcess | undefined;
let host: string;
let missingGo: string | undefined;
let dist: string;
let pushed: string;

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Pushes a one-layer image as `repo:tag` with the distribution API (monolithic blob uploads, then the manifest); returns the manifest digest. */
async function push(repo: string, tag: string): Promise<string> {
  const blob = async (data: Buffer) => {
    const res = await fetch(`http://${host}/v2/${repo}/blobs/uploads/?digest=${sha256(data)}`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status, await res.text()).toBe(201);
    return { digest: sha256(data), size: data.length };
  };
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = await blob(Buffer.from('a layer of the check-images test'));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  });
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  expect(res.status, await res.text()).toBe(201);
  return sha256(manifest);
}

const deployment = (name: string, image: string): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'demo' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { initContainers: [{ name: 'init', image }], containers: [{ name: 'app', image }] } } },
} as Manifest);

const checkImages = (...args: string[]) => spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/check-images.ts', ...args], { cwd: REPO, encoding: 'utf8' });

beforeAll(async () => {
  const built = await buildOracle('registry');
  missingGo = built.missingGo;
  if (!built.oracle) return;
  registry = spawn(built.oracle, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [url] = (await createInterface({ input: registry.stdout! })[Symbol.asyncIterator]().next()).value.split('\n');
  host = new URL(url).host;
  expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
  pushed = await push('demo/app', '1.0.0');
  dist = mkdtempSync(join(tmpdir(), 'check-images-'));
  mkdirSync(join(dist, '04-apps'));
}, 300_000);
afterAll(() => {
  registry?.stdin?.end();
  registry?.kill();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

const writeApps = (objects: Manifest[]) => writeFileSync(join(dist, '04-apps/demo.yaml'), objects.map((o) => toYaml(o)).join('---\n'));

describe('npm run check-images (a real OCI registry on loopback)', () => {
  it('records the digest of a tag that exists, and refuses a tag that does not, naming the image and who uses it', (context) => {
    if (missingGo) context.skip(missingGo);
    writeApps([deployment('web', `${host}/demo/app:1.0.0`), deployment('typo', `${host}/demo/app:1.0.1`)]);
    const { status, stdout, stderr } = checkImages('--dist', dist);
    expect(stdout).toContain('### Images: 1 of 2 resolved against their registries');
    expect(stdout).toContain(`| ✅ | \`${host}/demo/app:1.0.0\` | \`${pushed}\` | Deployment demo/web |`);
    expect(stdout).toContain(`| ❌ | \`${host}/demo/app:1.0.1\` | tag 1.0.1 not found in ${host}/demo/app | Deployment demo/typo |`);
    expect(stderr).toContain(`check-images: ${host}/demo/app:1.0.1: tag 1.0.1 not found in ${host}/demo/app (used by Deployment demo/typo)`);
    expect(status).toBe(1);
  });

  it('checks a digest pin against the registry: the pushed digest resolves, another is refused', (context) => {
    if (missingGo) context.skip(missingGo);
    const wrong = `sha256:${'0'.repeat(64)}`;
    writeApps([deployment('pinned', `${host}/demo/app:1.0.0@${pushed}`)]);
    const good = checkImages('--dist', dist);
    expect(good.stdout).toContain(`| ✅ | \`${host}/demo/app:1.0.0@${pushed}\` | \`${pushed}\` |`);
    expect(good.status, good.stderr).toBe(0);
    writeApps([deployment('pinned', `${host}/demo/app:1.0.0@${wrong}`)]);
    const bad = checkImages('--dist', dist);
    expect(bad.stderr).toContain(`${host}/demo/app:1.0.0@${wrong}: digest ${wrong} not found in ${host}/demo/app`);
    expect(bad.status).toBe(1);
  });

  it('lists the images without resolving them, and answers --help', (context) => {
    if (missingGo) context.skip(missingGo);
    writeApps([deployment('web', `${host}/demo/app:1.0.0`), deployment('other', 'docker.io/library/busybox:1.37.0-musl')]);
    expect(checkImages('--dist', dist, '--list').stdout).toBe(`${host}/demo/app:1.0.0\ndocker.io/library/busybox:1.37.0-musl\n`.split('\n').filter(Boolean).sort().map((l) => `${l}\n`).join(''));
    expect(checkImages('--help').stdout).toContain('usage: npm run check-images --');
  });
});
